// KeyedOperator: the stateful stage of a keyed pipeline (window or running aggregate), one instance
// per lane. An instance is used by one thread at a time and sees its lane's rows in source order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"
#include "sluice/pipeline_spec.h"
#include "sluice/process_function.h"

namespace sluice {

// The out->pos entry of a result caused by row r of `in`: in.pos[r] when the input carries merged
// positions, else r (the order of causes within the batch).
inline uint64_t CausePos(const Batch& in, size_t r) { return in.pos.empty() ? r : in.pos[r]; }

enum class AggFunc : uint8_t { kCount, kSum, kMin, kMax, kAvg, kFirst, kLast, kCountDistinct };

// Parses "count", "sum", ...; nullopt-like false when unknown.
bool ParseAggFunc(std::string_view name, AggFunc* out);
std::string_view AggFuncName(AggFunc f);

// One aggregate, bound to a column of the operator's input batch.
struct AggregateDef {
  AggFunc func = AggFunc::kCount;
  int input = -1;  // input column; -1 for count()
  Field output;    // alias and result type (see ResultField)
};

// Result type of `func` over a field of type `input` (count() takes no input).
//   count, count_distinct -> int64; avg -> double; sum -> int64 for int64, else double;
//   min, max, first, last -> the input's type (and time unit).
Result<Field> AggregateResultField(AggFunc func, const Field* input, const std::string& alias);

struct KeyedStageDef {
  OpKind kind = OpKind::kWindow;  // kWindow, kAggregate, kDeduplicate, kTopN or kProcess
  WindowKind window = WindowKind::kTumbling;
  int64_t size = 0;                        // tumbling, sliding (us)
  int64_t slide = 0;                       // sliding (us); equals size for tumbling
  int64_t gap = 0;                         // session (us)
  int64_t allowed_lateness = 0;            // us
  std::vector<int> key_columns;            // key fields' indices in the input schema, key_by order
  TimeUnit time_unit = TimeUnit::kMicros;  // unit of window_start/window_end in results
  std::vector<AggregateDef> aggregates;
  // deduplicate: keep the last row per key (else the first), by event time; a key's state is
  // dropped once its kept row's event time is older than the watermark by more than state_ttl
  // (0: never).
  bool keep_last = false;
  int64_t state_ttl = 0;  // also top_n
  // top_n: rows per key, the order (input column, descending), the rank column's name (empty:
  // none).
  int64_t top_n = 0;
  std::vector<std::pair<int, bool>> order;
  std::string rank_field;
  // top_n per window: the input's window_end column (-1: a top_n per key, as a changelog).
  int window_end_column = -1;
  // top_n per window: keep every row whose rank (tied order values share one) is <= top_n.
  bool with_ties = false;
  // aggregate over the last `rows` rows of each key (0: over every row so far), emitted at every
  // `every`-th row of the key (1 <= every <= rows).
  int64_t rows = 0;
  int64_t every = 1;
  // running aggregate: rows are a changelog ("op" first; "-" the key's previous result, "+" the
  // new one; nothing when the aggregates did not change), each with its cause in Batch::pos.
  bool changelog = false;
  // process: the function's name and parameters, and what its setup gave for this input
  // (REQUIRES: set for kProcess).
  std::string function;
  std::map<std::string, std::string> params;
  std::shared_ptr<const ProcessSetup> process;
};

struct KeyedStats {
  uint64_t late = 0;  // events dropped as late
};

class KeyedOperator {
 public:
  virtual ~KeyedOperator() = default;

  // Schema of result rows: key fields (key_by order), then for windows window_start and
  // window_end (timestamps in def.time_unit), then one field per aggregate in declared order.
  virtual const Schema& output_schema() const = 0;

  // Consumes `in`: this lane's rows of one source batch, in source order, with keys, key_hash,
  // ts and wm set (possibly no rows: the watermark still advances to in.watermark; when in.last
  // it advances to +infinity and every open window fires).
  // Appends result rows to *out (REQUIRES: out->reset(output_schema())). Each result row's ts is
  // window_end - 1 (windows) or the input row's ts (running aggregate). Late rows are appended to
  // out->late (created on demand, with the input schema).
  // Every result row also gets an out->pos entry saying where it stands in the input order: a row
  // produced while handling input row r (a join's pair, a running aggregate's or a changelog's
  // row, a process function's Emit from OnRow, a window re-emitted for an allowed-late row) has
  // CausePos(in, r); a row fired by the watermark (a window, a session, an outer join row, a
  // timer) has FiredAtPos(ts, its firing time: the smallest watermark that fires it), which is
  // kFiredPos for windows (fired at window_end - 1, their ts). Every row's wm is the watermark
  // it was emitted at. The runtime turns these into merged positions (Batch::pos).
  Status Process(const Batch& in, Batch* out) { return ProcessRows(in, nullptr, in.size(), out); }

  // As Process, over only rows[0], rows[1], ... rows[n-1] of `in` (increasing), or over all rows
  // when `rows` is null. Lets every lane read its rows from one shared batch, without copies.
  // `in` is only read, so lanes may share it concurrently.
  virtual Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) = 0;

  // Two-input operators (joins, operators/join_operator.h) take both inputs' rows of one source
  // batch instead; one-input operators refuse this with Internal.
  struct TwoInputs {
    const Batch* left = nullptr;
    const uint32_t* left_rows = nullptr;  // null = every row of *left
    size_t left_n = 0;
    const Batch* right = nullptr;
    const uint32_t* right_rows = nullptr;  // null = every row of *right
    size_t right_n = 0;
  };
  virtual Status ProcessTwo(const TwoInputs& in, Batch* out);

  virtual KeyedStats stats() const = 0;
  // The number of keys this instance holds state for (open panes or sessions, or running
  // accumulators): what its memory grows with. For messages such as "out of memory".
  virtual uint64_t keys() const = 0;

  // Checkpoint support. Snapshot appends to *out everything the operator holds (open windows and
  // their accumulators, sessions, running aggregates, the arrival counter, the late count,
  // pending firings), encoded with codecs/state_codec.h under the operator's own tag and format
  // version. Restore, on a freshly built operator with the same KeyedStageDef and input schema,
  // loads such a snapshot: from then on Process produces exactly the rows, in the same order,
  // that the snapshotted operator would have produced. A snapshot of another operator kind, a
  // newer format version or garbled bytes is Corruption; Restore never crashes on bad input.
  // Snapshot runs between two Process calls on the lane's thread.
  virtual void Snapshot(std::string* out) const = 0;
  virtual Status Restore(std::string_view in) = 0;
};

// Builds the operator for `def` over rows of `input` schema.
Result<std::unique_ptr<KeyedOperator>> MakeKeyedOperator(const KeyedStageDef& def,
                                                         const Schema& input);

}  // namespace sluice
