// Keyed process functions: user C++ code called with each row of a key and with the event-time
// timers it registers, with keyed state that is checkpointed with the rest of the pipeline.
// The escape hatch for logic no declarative operator covers.
//
//   // Emits a key's row count once no row of the key arrived for `gap` of event time.
//   class Inactivity : public KeyedProcessFunction {
//     void OnRow(const RowView& row, ProcessContext& ctx) override {
//       const Value* n = ctx.value(0);            // the declared value state 0
//       if (n) ctx.DeleteTimer(ctx.value(1)->i);  // the previous row's timer
//       ctx.set_value(0, Value::Int(n ? n->i + 1 : 1));
//       ctx.set_value(1, Value::Int(ctx.time() + gap_));
//       ctx.RegisterTimer(ctx.time() + gap_);
//     }
//     void OnTimer(TimeUs t, ProcessContext& ctx) override {
//       ctx.Emit({*ctx.value(0)});
//       ctx.ClearState();
//     }
//   };
//   RegisterProcessFunction(ProcessFunction{"inactivity", [](const ProcessSetupArgs& a) {
//     ProcessSetup s;
//     s.output = Schema({{"rows", Type::kInt64}});
//     s.states = {{"rows", StateKind::kValue}, {"due", StateKind::kValue}};
//     s.make = [] { return std::make_unique<Inactivity>(); };
//     return Result<ProcessSetup>(std::move(s));
//   }});
//
// In a pipeline, after a key_by: TOML `type = "process"`, `function = "inactivity"`,
// `params = { gap = "30s" }`, or PipelineBuilder::process("inactivity", {{"gap", "30s"}}).
// The stage's rows are the key fields (key_by order), then the function's output fields.
//
// Semantics (docs/semantics.md, "Process functions"):
//   - Each key's rows reach OnRow in the key's arrival order, the same at any parallelism and
//     batch size. Rows are never late for a process function.
//   - A timer for time t fires (OnTimer) once the watermark reaches t: before the first row of
//     the key's lane whose watermark is >= t, or at the end of the batch that moved the watermark
//     there; at the end of input every pending timer fires. Timers of one lane fire in time order
//     (ties: the order the keys' timers were registered). A key has at most one timer per time.
//   - An emitted row's event time is the row's (in OnRow) or the timer's time (in OnTimer).
//   - State is per key: value states hold one Value, list states a list, map states an ordered
//     map from a string to a Value. A key with empty state and no timers costs nothing.
//   - A function must be deterministic: its results may depend only on its key's rows, times
//     and state, not on the wall clock or other keys.
//
// Thread-safety: each lane builds its own function object with ProcessSetup::make and calls it
// from one thread at a time. Callbacks may not throw.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "sluice/row_view.h"

namespace sluice {

enum class StateKind { kValue, kList, kMap };

struct StateDecl {
  std::string name;  // for messages and docs
  StateKind kind = StateKind::kValue;
};

// What a function sees while it handles one row or one timer. Valid only during the call.
class ProcessContext {
 public:
  virtual ~ProcessContext() = default;

  // The event time of the row being processed, or the time of the firing timer (us).
  virtual TimeUs time() const = 0;
  // The watermark in force (kMinTime before the first one).
  virtual TimeUs watermark() const = 0;
  // The key's value for key field i (key_by order).
  virtual Value key(int i) const = 0;

  // Event-time timers of the current key: registering a time already registered, or deleting
  // one that is not, does nothing.
  virtual void RegisterTimer(TimeUs t) = 0;
  virtual void DeleteTimer(TimeUs t) = 0;

  // State of the current key, by index into ProcessSetup::states (REQUIRES: of that kind).
  // value: null when unset.
  virtual const Value* value(int i) const = 0;
  virtual void set_value(int i, Value v) = 0;
  virtual void clear_value(int i) = 0;
  virtual std::vector<Value>& list(int i) = 0;
  virtual std::map<std::string, Value>& map(int i) = 0;
  // Clears every state of the key (its timers stay).
  virtual void ClearState() = 0;

  // Emits a result row: one value per output field, in order (a null Value for null; ints for
  // timestamps in the output field's unit). A row of the wrong arity or types fails the stage
  // with an error naming the function.
  virtual void Emit(std::vector<Value> row) = 0;
};

class KeyedProcessFunction {
 public:
  virtual ~KeyedProcessFunction() = default;
  virtual void OnRow(const RowView& row, ProcessContext& ctx) = 0;
  virtual void OnTimer(TimeUs time, ProcessContext& ctx) { (void)time, (void)ctx; }
};

// What ProcessFunction::setup is given: the stage's input and the `params` of the operator.
struct ProcessSetupArgs {
  const Schema* input = nullptr;
  std::vector<int> key_columns;  // indices in *input
  std::map<std::string, std::string> params;
  // The unit the stage's timestamps are written in (the source's event_time unit): a function's
  // timestamp output fields usually take it, with raw values in it (MicrosToRaw).
  TimeUnit time_unit = TimeUnit::kMicros;
};

// What a function is for one input schema and parameter set.
struct ProcessSetup {
  Schema output;                  // its result fields (after the key fields)
  std::vector<StateDecl> states;  // its keyed state
  std::function<std::unique_ptr<KeyedProcessFunction>()> make;  // one object per lane
};

struct ProcessFunction {
  // An identifier ([A-Za-z_][A-Za-z0-9_]*), matched exactly.
  std::string name;
  // Checks the input and parameters (an error's message is shown at the operator's position in
  // the pipeline file) and describes the function's output and state.
  std::function<Result<ProcessSetup>(const ProcessSetupArgs&)> setup;
};

// Registers `f` for pipelines built afterwards. Errors: InvalidArgument for a name that is not an
// identifier or is registered already (built-in functions included), or for no setup. Thread-safe.
Status RegisterProcessFunction(ProcessFunction f);

// The registered function named `name` (built-in ones included), or null. Thread-safe.
std::shared_ptr<const ProcessFunction> FindProcessFunction(std::string_view name);

// The names of the registered functions, sorted.
std::vector<std::string> ProcessFunctionNames();

}  // namespace sluice
