// PipelineBuilder: declares a pipeline in C++. Builds the same PipelineSpec as a TOML file.
//
//   auto collector = std::make_shared<Collector>();
//   std::unique_ptr<Pipeline> p;
//   Status s = PipelineBuilder("clicks-per-user")
//                  .parallelism(2)
//                  .csv_source("clicks.csv", {{"user", "string"}, {"ts", "timestamp_ms"},
//                                             {"amount", "double"}})
//                  .event_time("ts", "2s")
//                  .filter("amount > 0")
//                  .key_by({"user"})
//                  .tumbling("10s", {"count() as n", "sum(amount) as total"})
//                  .csv_sink("clicks_per_user.csv")
//                  .Build(&p);
//
// Expressions are strings in the expression language, or C++ lambdas over a RowView:
//   .filter([](const RowView& r) { return r.f64("amount") > 0; })
//   .map("total", [](const RowView& r) { return r.f64("price") * r.i64("qty"); })
//
// Graphs: each source call after the first adds a further source; as() names the source or
// operator added last, from() says what the next operator or sink reads (by default, what was
// added just before it), and unions and joins name their inputs:
//
//   PipelineBuilder("bids-per-auction")
//       .csv_source("bids.csv", {{"auction", "int64"}, {"price", "double"},
//                                {"ts", "timestamp_ms"}})
//       .event_time("ts", "1s").as("bids")
//       .csv_source("auctions.csv", {{"id", "int64"}, {"seller", "string"},
//                                    {"ts", "timestamp_ms"}})
//       .event_time("ts", "1s").idle_timeout("30s").as("auctions")
//       .from("bids").filter("price > 10").as("big")
//       .interval_join({"big", "auctions"}, {"auction"}, {"id"}, "-1h", "0s", JoinType::kInner)
//       .join_prefixes("bid_", "").as("joined")
//       .key_by({"seller"})
//       .tumbling("1m", {"count() as bids", "sum(bid_price) as total"})
//       .csv_sink("per_seller.csv")
//       .from("big").csv_sink("big_bids.csv")
//       .Build(&p);
//
// The builder checks what a TOML file's loader checks (names, the number of inputs, keys, bounds);
// the planner checks the rest (unknown inputs, cycles, schemas, key types) at Build().
// Mistakes (bad durations, unknown types) are remembered and reported by Build(); nothing throws
// and nothing exits.
#pragma once

#include <initializer_list>
#include <memory>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/pipeline.h"
#include "sluice/scalar_function.h"

namespace sluice {

class PipelineBuilder {
 public:
  explicit PipelineBuilder(std::string name);

  PipelineBuilder& parallelism(uint32_t p);
  PipelineBuilder& batch_size(uint32_t rows);
  PipelineBuilder& dead_letter_path(std::string path);
  PipelineBuilder& late_path(std::string path);
  // Checkpoints (docs/fault-tolerance.md): off unless a state directory is given; then taken
  // every `interval` (default "1s") and at the end, and Run() resumes from the latest one.
  PipelineBuilder& state_dir(std::string dir);
  PipelineBuilder& checkpoint_interval(std::string interval);
  // PipelineSpec::state_max_size: "64MiB", "1 GiB", "500MB" or a number of bytes (>= 1 MiB).
  PipelineBuilder& state_max_size(std::string size);

  // Sources. `schema` lists (field, type name) pairs in order; type names as in TOML files.
  using SchemaList = std::vector<std::pair<std::string, std::string>>;
  PipelineBuilder& csv_source(std::string path, const SchemaList& schema);
  PipelineBuilder& jsonl_source(std::string path, const SchemaList& schema);
  PipelineBuilder& generator_source(uint64_t events, uint64_t keys);
  PipelineBuilder& source(SourceSpec spec);
  // Event-time field and max_out_of_orderness (a duration such as "2s") of the last source.
  PipelineBuilder& event_time(std::string field, std::string max_out_of_orderness = "0s");
  // With several sources: once the last source has produced nothing for `timeout` (a duration;
  // "0s", the default, means never), it stops holding the merged watermark back.
  PipelineBuilder& idle_timeout(std::string timeout);

  // Graphs. Names the source or operator added last (letters, digits and '_', not starting with
  // a digit; unique among sources and operators); with several sources, each needs a name.
  PipelineBuilder& as(std::string name);
  // What the next operator or sink added reads: the name of a source or operator. Without
  // from(), it reads what was added just before it (for a sink, the last operator).
  PipelineBuilder& from(std::string input);
  PipelineBuilder& from(std::vector<std::string> inputs);
  PipelineBuilder& from(std::initializer_list<std::string> inputs);

  // Operators.
  PipelineBuilder& filter(std::string where);
  PipelineBuilder& filter(RowPredicate predicate);
  PipelineBuilder& map(std::string field, std::string expr);
  // `fn(const RowView&)` returning double, an integer type, bool or std::string.
  template <typename Fn>
  requires std::is_invocable_v<Fn, const RowView&> PipelineBuilder& map(std::string field, Fn fn) {
    return map_fn(std::move(field), MakeRowFunction(std::move(fn)));
  }
  PipelineBuilder& keep(std::vector<std::string> fields);
  PipelineBuilder& key_by(std::vector<std::string> fields);
  // Windows with aggregates such as "count() as n", "sum(amount) as total".
  PipelineBuilder& tumbling(std::string size, std::vector<std::string> aggregates,
                            std::string allowed_lateness = "0s");
  PipelineBuilder& sliding(std::string size, std::string slide, std::vector<std::string> aggregates,
                           std::string allowed_lateness = "0s");
  PipelineBuilder& session(std::string gap, std::vector<std::string> aggregates,
                           std::string allowed_lateness = "0s");
  // Running (non-windowed) keyed aggregate: one updated row per event.
  // Aggregates over the last `rows` rows of each key (the current one included: SQL's ROWS
  // BETWEEN rows - 1 PRECEDING AND CURRENT ROW), one result at every `every`-th row of the key
  // (every = rows: a tumbling count window). Each result is final. After a key_by.
  PipelineBuilder& last_rows(int64_t rows, std::vector<std::string> aggregates, int64_t every = 1);
  // With `changelog`, the rows are a changelog: "op", then the key and aggregates; per event
  // "-" the key's previous result and "+" the new one (nothing when they are equal).
  PipelineBuilder& running_aggregate(std::vector<std::string> aggregates, bool changelog = false);
  // The first or last row per key by event time, as a changelog: "op" ("+"/"-") then every
  // input field. `state_ttl` ("0s": never) forgets keys whose row is that far behind the
  // watermark.
  PipelineBuilder& deduplicate(DedupKeep keep, std::string state_ttl = "0s");
  // The n first rows per key in `order_by` ("price desc", "ts"), as a changelog: "op", every
  // input field, then `rank_field` (1 = first) when not empty.
  PipelineBuilder& top_n(int64_t n, std::vector<std::string> order_by, std::string rank_field = "",
                         std::string state_ttl = "0s");
  // The n first rows per key and window in `order_by`, for rows that carry `window_end` (a
  // window's results): every input field, then `rank_field` when not empty, emitted once when
  // the watermark reaches the window's end. Final rows (not a changelog). `with_ties`: ranks as
  // SQL's RANK() (tied rows share one), every row of rank <= n kept.
  PipelineBuilder& window_top_n(int64_t n, std::vector<std::string> order_by,
                                std::string rank_field = "", bool with_ties = false);
  // The keyed process function registered as `function` (sluice/process_function.h), given
  // `params`: the key fields, then the function's output fields. After a key_by.
  PipelineBuilder& process(std::string function, std::map<std::string, std::string> params = {});

  // The rows of every input (at least two, of the same schema), merged.
  PipelineBuilder& union_of(std::vector<std::string> inputs);
  // Joins of `inputs` = {left, right} on left_key == right_key (field lists of equal length;
  // give the same list twice when both inputs name the keys alike). Semantics:
  // docs/semantics.md; output fields: every left field, then every right field (see
  // join_prefixes()).
  // Window joins (inner): a pair of rows for each left and right row of a key in the same window.
  PipelineBuilder& tumbling_join(std::vector<std::string> inputs, std::vector<std::string> left_key,
                                 std::vector<std::string> right_key, std::string size);
  PipelineBuilder& sliding_join(std::vector<std::string> inputs, std::vector<std::string> left_key,
                                std::vector<std::string> right_key, std::string size,
                                std::string slide);
  PipelineBuilder& session_join(std::vector<std::string> inputs, std::vector<std::string> left_key,
                                std::vector<std::string> right_key, std::string gap);
  // Interval join: a pair when left.ts + lower <= right.ts <= left.ts + upper (durations that may
  // be negative, "-5s"; lower <= upper); left, right and full joins also emit unmatched rows.
  PipelineBuilder& interval_join(std::vector<std::string> inputs, std::vector<std::string> left_key,
                                 std::vector<std::string> right_key, std::string lower,
                                 std::string upper, JoinType type = JoinType::kInner);
  // Regular (unbounded) inner join: a pair for every left and right row of a key, emitted when
  // the second arrives. Each side's rows stay in the state for its ttl of event time (durations
  // such as "1h"; "" or "0s" = the whole run, so the state grows with the input).
  PipelineBuilder& join(std::vector<std::string> inputs, std::vector<std::string> left_key,
                        std::vector<std::string> right_key, std::string left_ttl = "",
                        std::string right_ttl = "");
  // Prefixes for the field names of the last join's left and right rows in its output (for a
  // lookup join, `left` must be empty and `right` applies to the table's fields).
  PipelineBuilder& join_prefixes(std::string left, std::string right);
  // Lookup join: each row with every row of a static table whose `table_key` fields equal its
  // `key` fields (table_key empty: named as `key`), as SQL does; inner, or left (unmatched rows
  // kept with the table's fields null). The table is the csv or jsonl file at `path` (format
  // "csv" or "jsonl"; empty: from the extension) with `schema`, read when the pipeline is built;
  // the output holds the row's fields, then the table's.
  PipelineBuilder& lookup_join(std::string path, const SchemaList& schema,
                               std::vector<std::string> key,
                               std::vector<std::string> table_key = {},
                               JoinType type = JoinType::kInner, std::string format = "");

  // Sinks. The first one called is the pipeline's sink; each further one receives the same rows,
  // unless from() names what it reads.
  PipelineBuilder& csv_sink(std::string path);
  PipelineBuilder& jsonl_sink(std::string path);
  PipelineBuilder& stdout_sink(std::string format = "jsonl");
  PipelineBuilder& null_sink();
  PipelineBuilder& collect(std::shared_ptr<Collector> collector);
  // A read model in the state directory, upserted by `key` (empty: the key_by fields, then
  // window_start for windows). Needs state_dir().
  PipelineBuilder& projection_sink(std::string name, std::vector<std::string> key = {});

  // The declared pipeline, or the first mistake made while declaring it.
  Result<PipelineSpec> spec() const;
  // Validates and plans (see Pipeline::Build).
  Status Build(std::unique_ptr<Pipeline>* pipeline,
               const PipelineOptions& options = PipelineOptions()) const;

  template <typename Fn>
  static RowFunction MakeRowFunction(Fn fn) {
    using R = std::decay_t<std::invoke_result_t<Fn, const RowView&>>;
    RowFunction f;
    if constexpr (std::is_same_v<R, bool>) {
      f.type = Type::kBool;
      f.int_fn = [fn](const RowView& r) -> int64_t { return fn(r) ? 1 : 0; };
    } else if constexpr (std::is_integral_v<R>) {
      f.type = Type::kInt64;
      f.int_fn = [fn](const RowView& r) -> int64_t { return static_cast<int64_t>(fn(r)); };
    } else if constexpr (std::is_floating_point_v<R>) {
      f.type = Type::kDouble;
      f.double_fn = [fn](const RowView& r) -> double { return static_cast<double>(fn(r)); };
    } else if constexpr (std::is_convertible_v<R, std::string>) {
      f.type = Type::kString;
      f.string_fn = [fn](const RowView& r) -> std::string { return std::string(fn(r)); };
    } else {
      static_assert(sizeof(R) == 0,
                    "map functions take (const RowView&) and return double, an integer type, "
                    "bool or std::string");
    }
    return f;
  }

 private:
  PipelineBuilder& map_fn(std::string field, RowFunction fn);
  PipelineBuilder& AddMap(Assignment assignment);
  PipelineBuilder& window(WindowKind kind, int64_t size, int64_t slide, int64_t gap,
                          std::vector<std::string> aggregates, const std::string& lateness);
  int64_t Duration(const std::string& text, const char* what);
  PipelineBuilder& Sink(std::string type, std::string path);
  SinkSpec& LastSink();
  SourceSpec& AddSource();
  SourceSpec& LastSource();
  // Appends `op`, reading the inputs of a pending from() (an operator of several inputs, a union
  // or join, names its inputs itself, and a pending from() is a mistake).
  PipelineBuilder& AddOperator(OperatorSpec op);
  PipelineBuilder& WindowJoin(std::vector<std::string> inputs, std::vector<std::string> left_key,
                              std::vector<std::string> right_key, WindowKind kind, int64_t size,
                              int64_t slide, int64_t gap);
  OperatorSpec Join(OpKind kind, std::vector<std::string> inputs, std::vector<std::string> left_key,
                    std::vector<std::string> right_key);
  void Fail(std::string message);

  enum class Added { kNothing, kSource, kOperator, kSink };

  PipelineSpec spec_;
  Status error_;
  Added last_ = Added::kNothing;   // what the last source, operator or sink call added
  std::vector<std::string> from_;  // a from() not yet taken by an operator or sink
  bool from_pending_ = false;
};

}  // namespace sluice
