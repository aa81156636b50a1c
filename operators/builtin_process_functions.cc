#include "operators/builtin_process_functions.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/time_util.h"

namespace sluice {
namespace {

// State: 0 rows (int64), 1 first time (us), 2 timer time (us); one timer.
class Inactivity final : public KeyedProcessFunction {
 public:
  Inactivity(int64_t gap, TimeUnit unit) : gap_(gap), unit_(unit) {}

  void OnRow(const RowView&, ProcessContext& ctx) override {
    const Value* rows = ctx.value(0);
    int64_t n = 1;
    TimeUs first = ctx.time(), due = ctx.time() + gap_;
    if (rows != nullptr) {
      n = rows->i + 1;
      first = std::min(first, ctx.value(1)->i);
      const TimeUs old = ctx.value(2)->i;
      due = std::max(due, old);
      if (due != old) ctx.DeleteTimer(old);
    }
    ctx.set_value(0, Value::Int(n));
    ctx.set_value(1, Value::Int(first));
    ctx.set_value(2, Value::Int(due));
    ctx.RegisterTimer(due);
  }

  void OnTimer(TimeUs t, ProcessContext& ctx) override {
    const Value* rows = ctx.value(0);
    if (rows == nullptr) return;
    ctx.Emit({Value::Int(rows->i), Value::Timestamp(Raw(ctx.value(1)->i)),
              Value::Timestamp(Raw(t))});
    ctx.ClearState();
  }

 private:
  int64_t Raw(TimeUs us) const { return unit_ == TimeUnit::kIso ? us : MicrosToRaw(us, unit_); }

  int64_t gap_;
  TimeUnit unit_;
};

Result<ProcessSetup> SetupInactivity(const ProcessSetupArgs& a) {
  int64_t gap = 0;
  for (const auto& [k, v] : a.params) {
    if (k != "gap") {
      return Status::InvalidArgument(
          fmt::format("inactivity takes the parameter 'gap', not '{}'", k));
    }
    auto d = ParseDuration(v);
    if (!d.ok()) {
      return Status::InvalidArgument(fmt::format("inactivity gap: {}", d.status().message()));
    }
    gap = *d;
  }
  if (gap <= 0) {
    return Status::InvalidArgument("inactivity needs params = { gap = \"...\" } with a gap > 0");
  }
  ProcessSetup s;
  s.output = Schema({{"rows", Type::kInt64, TimeUnit::kMicros},
                     {"first_time", Type::kTimestamp, a.time_unit},
                     {"end_time", Type::kTimestamp, a.time_unit}});
  s.states = {{"rows", StateKind::kValue}, {"first", StateKind::kValue},
              {"due", StateKind::kValue}};
  const TimeUnit unit = a.time_unit;
  s.make = [gap, unit] { return std::make_unique<Inactivity>(gap, unit); };
  return s;
}

}  // namespace

std::vector<ProcessFunction> BuiltinProcessFunctions() {
  std::vector<ProcessFunction> out;
  out.push_back({"inactivity", SetupInactivity});
  return out;
}

}  // namespace sluice
