// PipelineSpec: a pipeline as declared, before validation. Both front ends produce it (the TOML
// loader in pipelines/ and the C++ PipelineBuilder); the planner (runtime/planner.h) checks
// it, infers schemas, binds expressions and compiles it to a flow graph.
//
// Plain data. Durations are microseconds. `loc` fields say where a TOML file declared the item,
// so that planning errors can name file and line; they are empty for pipelines built in C++.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/types.h"
#include "sluice/collector.h"
#include "sluice/row_view.h"

namespace sluice {

// The smallest PipelineSpec::state_max_size accepted (an LMDB environment needs a few pages per
// database it holds).
inline constexpr uint64_t kMinStateMaxSize = uint64_t{1} << 20;

struct SourceLoc {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
  bool known() const { return line > 0; }
  // "file:line:column: " or "" when unknown.
  std::string Prefix() const;
};

// C++ lambda expressions (the alternative to expression strings).
using RowPredicate = std::function<bool(const RowView&)>;
struct RowFunction {
  Type type = Type::kDouble;                             // result type
  std::function<int64_t(const RowView&)> int_fn;         // kInt64, kBool, kTimestamp
  std::function<double(const RowView&)> double_fn;       // kDouble
  std::function<std::string(const RowView&)> string_fn;  // kString
  bool valid() const { return int_fn || double_fn || string_fn; }
};

struct SourceSpec {
  // The name operators and sinks refer to it by (`input = "bids"`); empty = unnamed, allowed
  // only for a pipeline's single source.
  std::string name;
  std::string type;  // "csv", "jsonl", "generator", "log", "nexmark"
  // file path; "-" is standard input. nexmark: the directory of person.csv, auction.csv and
  // bid.csv (`dir`), empty to generate the events instead
  std::string path;
  Schema schema;                     // generator: fixed (key:int64, ts:timestamp_us, value:double)
  std::string event_time;            // field holding event time; empty = no event time
  int64_t max_out_of_orderness = 0;  // B
  // generator
  uint64_t events = 0;
  uint64_t keys = 1;
  // nexmark (docs/pipelines.md): the table, and the generator's seed (events = all the events
  // of the three tables, of which this table's are produced)
  std::string table;
  uint64_t seed = 0;
  // nexmark: events per second (all tables together) paced in wall-clock time, each event's
  // date_time the wall-clock time it is due; 0 = unpaced, event time from the generator's base
  uint64_t rate = 0;
  // nexmark with a rate: the longest a due row waits in the source for its batch to fill (us);
  // smaller lowers latency, larger lets batches fill at low rates
  int64_t max_batch_delay = 1000;
  // csv
  char delimiter = ',';
  // log (path is the log directory)
  std::string stream;              // empty = all streams
  std::vector<std::string> types;  // empty = all event types
  std::string from = "beginning";  // "beginning", a global position, or an ISO event time
  bool follow = false;             // keep waiting for new appends
  // Several sources: once this source has produced nothing for this long (us, processing time;
  // 0 = never), it stops holding the merged watermark back until it produces again.
  int64_t idle_timeout = 0;
  SourceLoc loc;
};

struct AggregateSpec {
  std::string text;    // as written: "sum(amount) as total"; may be empty when built in C++
  std::string func;    // count, sum, min, max, avg, first, last, count_distinct
  std::string arg;     // expression text; empty for count()
  RowFunction arg_fn;  // C++ alternative to `arg`
  std::string alias;   // output field name
  SourceLoc loc;
};

enum class OpKind {
  kFilter,
  kMap,
  kKeyBy,
  kWindow,
  kAggregate,
  kUnion,         // rows of every input, in merged input order (same schema)
  kWindowJoin,    // pairs of rows of two inputs with equal keys in the same window
  kIntervalJoin,  // left.ts + lower <= right.ts <= left.ts + upper, equal keys
  kDeduplicate,   // after a key_by: the first or last row per key, as a changelog
  kTopN,          // after a key_by: the n first rows per key by an order, as a changelog
  kLookupJoin,    // each row with the rows of a static table (a file) of equal key
  kJoin,          // regular (unbounded) inner join: every pair of rows of two inputs with equal
                  // keys, each side's rows kept for its state time-to-live
  kProcess,       // after a key_by: a keyed process function (sluice/process_function.h)
};
// Which row per key a deduplicate keeps, by event time (ties by arrival).
enum class DedupKeep { kFirst, kLast };
// Which unmatched rows a join also emits (with nulls for the other side).
enum class JoinType { kInner, kLeft, kRight, kFull };
enum class WindowKind { kTumbling, kSliding, kSession };

struct Assignment {
  std::string field;
  std::string expr;  // expression text, or empty when fn is set
  RowFunction fn;
  SourceLoc loc;
};

// A sliding window puts every event in ceil(size / slide) windows, and every one of them emits a
// row; past this many (10 s sliding by 1 ms), a pipeline is refused rather than left to run out
// of memory. Larger ratios are better served by a tumbling window of the slide's length whose
// rows are combined downstream.
constexpr int64_t kMaxWindowsPerEvent = 10'000;

// The windows a sliding window of `size` and `slide` puts each event in: ceil(size / slide).
// REQUIRES: 0 < slide <= size.
inline int64_t WindowsPerEvent(int64_t size, int64_t slide) { return (size - 1) / slide + 1; }

// The error message for a sliding window with more than kMaxWindowsPerEvent windows per event,
// or "" when it is within the limit. REQUIRES: 0 < slide <= size.
std::string SlidingRatioError(int64_t size, int64_t slide);

// The side table of a lookup join: a csv or jsonl file read when the pipeline starts, whose rows
// are kept in memory for the whole run.
struct LookupTableSpec {
  std::string path;
  std::string format;  // "csv" or "jsonl"; empty = from the path's extension
  Schema schema;       // its fields, in order (csv: matched to header columns by name)
  SourceLoc loc;       // where the file declared the table
};

struct OperatorSpec {
  OpKind kind = OpKind::kFilter;
  SourceLoc loc;
  // The name later operators and sinks refer to it by; empty = unnamed.
  std::string name;
  // What it reads: names of sources or operators. Empty = the operator declared just before it
  // (the first source for the first operator). Joins read two (left, then right); a union two
  // or more.
  std::vector<std::string> inputs;
  // filter
  std::string where;
  RowPredicate predicate;
  // map: assignments run in order, each seeing the fields set before it; then keep (if non-empty)
  std::vector<Assignment> set;
  std::vector<std::string> keep;
  // key_by
  std::vector<std::string> fields;
  // window
  WindowKind window = WindowKind::kTumbling;
  int64_t size = 0;
  int64_t slide = 0;
  int64_t gap = 0;
  int64_t allowed_lateness = 0;
  // window, aggregate
  std::vector<AggregateSpec> aggregates;
  // aggregate: over the last `rows` rows of each key (0 = every row so far), emitted at every
  // `every`-th row of the key (1 <= every <= rows; tumbling count windows: every = rows)
  int64_t rows = 0;
  int64_t every = 1;
  // aggregate without rows: emit a changelog ("op" +/-: the key's previous result retracted,
  // the new one added; nothing when unchanged) instead of one updated row per event
  bool changelog = false;
  // window_join (window, size, slide, gap as for windows) and interval_join: the key fields of
  // each input, compared in order (same count, same types; a null key matches nothing).
  std::vector<std::string> left_key;
  std::vector<std::string> right_key;
  JoinType join_type = JoinType::kInner;  // interval_join only; window joins are inner
  int64_t lower = 0;  // interval_join bounds (us, may be negative; lower <= upper)
  int64_t upper = 0;
  // join: how long (us of event time) each side's rows stay in the state; 0 = the whole run.
  int64_t left_ttl = 0;
  int64_t right_ttl = 0;
  // Prepended to every field name of that input in the join's output (output names must be
  // unique).
  std::string left_prefix;
  std::string right_prefix;
  // deduplicate
  DedupKeep keep_row = DedupKeep::kFirst;
  int64_t state_ttl = 0;  // us; 0 = keys are kept for the whole run (deduplicate, top_n)
  // top_n: how many rows per key, their order ("price desc", "ts" = "ts asc"; ties by arrival)
  // and the name of a rank column (1 = first; empty: none).
  int64_t top_n = 0;
  std::vector<std::string> order_by;
  std::string rank_field;
  // top_n per_window: the n first rows per key and window (the input's `window_end`), emitted
  // once when the watermark reaches the window's end: final rows, not a changelog.
  bool per_window = false;
  // top_n per_window with_ties: also keep the rows that tie with the n-th in `order_by` values;
  // ranks as SQL's RANK() (tied rows share a rank, the next rank skips), rows of rank <= n kept.
  bool with_ties = false;
  // lookup_join: left_key names the stream's key fields, right_key the table's (same count, same
  // types), join_type is kInner or kLeft, right_prefix applies to the table's fields.
  LookupTableSpec table;
  // Set by the planner when it loads the table: a hash of the file's content, which the
  // pipeline's definition text records so that a checkpoint taken with other table content is
  // not resumed. Empty in specs that were not planned.
  std::string table_digest;
  // process: the registered function's name and its parameters (name -> text).
  std::string function;
  std::map<std::string, std::string> params;
};

struct SinkSpec {
  // The source or operator whose rows it writes; empty = the last operator declared (the source
  // when there is none).
  std::string input;
  std::string type;                      // "csv", "jsonl", "stdout", "null", "collector", "log"
  std::string path;                      // csv, jsonl
  std::string format;                    // stdout: "jsonl" (default), "csv" or "table"
  std::shared_ptr<Collector> collector;  // collector
  std::string stream;                    // log: stream to append to
  std::string event_type;                // log: event type of appended events
  // log: "batch" (default: each batch's append is durable when it returns) or "checkpoint"
  // (batches commit without fsync; each checkpoint makes them durable first).
  std::string sync;
  // log: "none" (default) or "zstd": how its batches are stored, and zstd's level (-7..19;
  // higher is smaller and slower). Not part of the definition text.
  std::string compression;
  int compression_level = 1;
  // projection: the read model's name, its key fields (empty = the key_by fields, then
  // window_start for windows) and, for `sluice replay --into`, the table to build it in (empty =
  // the table that serves the name now, or the name itself). The planner sets `path` to the
  // pipeline's state directory and `pipeline` to its name.
  std::string name;
  std::vector<std::string> key;
  std::string into;
  std::string pipeline;
  // projection: how many checkpoints' changes its change history keeps for
  // GET /projections/NAME/changes (0: none). Not part of the definition text.
  uint64_t keep_changes = 1000;
  SourceLoc loc;
};

struct PipelineSpec {
  std::string name = "pipeline";
  std::string file;              // the TOML file it came from, if any
  uint32_t parallelism = 0;      // 0 = the machine's cores
  uint32_t batch_size = 0;       // 0 = PipelineOptions default
  std::string dead_letter_path;  // empty = "<name>.dlq.jsonl"
  std::string late_path;         // empty = late events are only counted
  // `sluice run` serves metrics, status and projections over HTTP at this "HOST:PORT" (empty =
  // not at all; docs/operations.md). Not part of the definition a checkpoint is matched against.
  std::string http;
  // Checkpoints (docs/fault-tolerance.md): where the checkpoint store and projections live
  // (empty = no checkpoints; the TOML loader defaults it to "<name>.state") and how often a
  // checkpoint is taken (microseconds; one is always taken at the end of the input).
  std::string state_dir;
  int64_t checkpoint_interval = 1'000'000;
  // The largest the state directory's LMDB file may grow (bytes). A checkpoint that does not
  // fit fails the run, naming the file, with the latest committed checkpoint intact; the same
  // command with a larger limit resumes from it. Not part of the definition.
  uint64_t state_max_size = uint64_t{1} << 40;
  SourceSpec source;
  std::vector<SourceSpec> more_sources;  // further sources ([[source]], each with a name)
  std::vector<OperatorSpec> operators;
  SinkSpec sink;
  std::vector<SinkSpec> more_sinks;  // further sinks that receive the same rows ([[sink]])
  SourceLoc loc;
};

}  // namespace sluice
