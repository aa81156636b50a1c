#include "operators/builtin_process_functions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

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

// best_until: per key, the first row by `order` (ties: the earlier row) among the rows that
// arrive before the key's deadline (the `until` field of its first row) is reached by the
// watermark; emitted then, and the key forgotten. State: 0 the best row's fields other than the
// key's (list), 1 the deadline (us).
class BestUntil final : public KeyedProcessFunction {
 public:
  struct Config {
    std::vector<int> fields;                  // input fields kept and emitted, in order
    std::vector<Type> types;                  // their types
    std::vector<std::pair<size_t, bool>> order;  // index into `fields`, descending
    int until = -1;                           // input field
    TimeUnit until_unit = TimeUnit::kMicros;
  };
  explicit BestUntil(std::shared_ptr<const Config> c) : c_(*c), keep_(std::move(c)) {}

  void OnRow(const RowView& row, ProcessContext& ctx) override {
    if (row.is_null(c_.until)) return;
    TimeUs deadline = 0;
    if (!EventTimeFromRaw(row.i64(c_.until), c_.until_unit, &deadline)) return;
    std::vector<Value>& best = ctx.list(0);
    if (best.empty()) {
      const TimeUs wm = ctx.watermark();
      if (wm != kMinTime && deadline <= wm) return;  // its deadline has passed: ignored
      ctx.set_value(1, Value::Int(deadline));
      ctx.RegisterTimer(deadline);
    }
    row_.clear();
    for (size_t i = 0; i < c_.fields.size(); ++i) row_.push_back(Read(row, i));
    if (best.empty() || Better(row_, best)) best = row_;
  }

  void OnTimer(TimeUs, ProcessContext& ctx) override {
    std::vector<Value>& best = ctx.list(0);
    if (!best.empty()) ctx.Emit(best);
    ctx.ClearState();
  }

 private:
  Value Read(const RowView& row, size_t i) const {
    const int f = c_.fields[i];
    if (row.is_null(f)) return Value::Null(c_.types[i]);
    switch (c_.types[i]) {
      case Type::kDouble:
        return Value::Double(row.f64(f));
      case Type::kString:
        return Value::String(std::string(row.str(f)));
      case Type::kBool:
        return Value::Bool(row.i64(f) != 0);
      case Type::kTimestamp:
        return Value::Timestamp(row.i64(f));
      default:
        return Value::Int(row.i64(f));
    }
  }
  // a before b in `order`, nulls last.
  bool Better(const std::vector<Value>& a, const std::vector<Value>& b) const {
    for (const auto& [i, desc] : c_.order) {
      const Value& x = a[i];
      const Value& y = b[i];
      if (x.null != y.null) return y.null;
      if (x.null) continue;
      int cmp = 0;
      if (x.type == Type::kDouble) {
        cmp = x.d < y.d ? -1 : (x.d > y.d ? 1 : 0);
      } else if (x.type == Type::kString) {
        cmp = x.s < y.s ? -1 : (x.s > y.s ? 1 : 0);
      } else {
        cmp = x.i < y.i ? -1 : (x.i > y.i ? 1 : 0);
      }
      if (cmp != 0) return desc ? cmp > 0 : cmp < 0;
    }
    return false;
  }

  const Config& c_;
  std::shared_ptr<const Config> keep_;  // owns c_
  std::vector<Value> row_;
};

Result<ProcessSetup> SetupBestUntil(const ProcessSetupArgs& a) {
  const Schema& in = *a.input;
  auto c = std::make_shared<BestUntil::Config>();
  std::string until, order;
  for (const auto& [k, v] : a.params) {
    if (k == "until") {
      until = v;
    } else if (k == "order_by") {
      order = v;
    } else {
      return Status::InvalidArgument(fmt::format(
          "best_until takes the parameters 'until' and 'order_by', not '{}'", k));
    }
  }
  if (until.empty() || order.empty()) {
    return Status::InvalidArgument(
        "best_until needs params = { until = \"<timestamp field>\", order_by = \"<field> "
        "[asc|desc], ...\" }");
  }
  c->until = in.IndexOf(until);
  if (c->until < 0 || in.field(c->until).type != Type::kTimestamp) {
    return Status::InvalidArgument(fmt::format(
        "best_until: until '{}' is not a timestamp field of the input ({})", until,
        in.ToString()));
  }
  c->until_unit = in.field(c->until).unit;
  ProcessSetup s;
  std::vector<Field> out;
  for (size_t f = 0; f < in.size(); ++f) {
    if (std::find(a.key_columns.begin(), a.key_columns.end(), static_cast<int>(f)) !=
        a.key_columns.end()) {
      continue;
    }
    c->fields.push_back(static_cast<int>(f));
    c->types.push_back(in.field(f).type);
    out.push_back(in.field(f));
  }
  // order_by: "field [asc|desc], ..."
  size_t at = 0;
  while (at <= order.size()) {
    size_t end = order.find(',', at);
    if (end == std::string::npos) end = order.size();
    std::string item = order.substr(at, end - at);
    at = end + 1;
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    bool desc = false;
    if (const size_t sp = item.rfind(' '); sp != std::string::npos) {
      std::string dir = item.substr(sp + 1);
      for (char& ch : dir) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (dir != "asc" && dir != "desc") {
        return Status::InvalidArgument(fmt::format(
            "best_until order_by '{}': the direction is 'asc' or 'desc', not '{}'", item, dir));
      }
      desc = dir == "desc";
      item = item.substr(0, sp);
      while (!item.empty() && item.back() == ' ') item.pop_back();
    }
    const int f = in.IndexOf(item);
    auto pos = std::find(c->fields.begin(), c->fields.end(), f);
    if (f < 0 || pos == c->fields.end()) {
      return Status::InvalidArgument(fmt::format(
          "best_until order_by: '{}' is not a field of the input other than the key ({})", item,
          in.ToString()));
    }
    c->order.push_back({static_cast<size_t>(pos - c->fields.begin()), desc});
  }
  s.output = Schema(std::move(out));
  s.states = {{"best", StateKind::kList}, {"deadline", StateKind::kValue}};
  s.make = [c] { return std::make_unique<BestUntil>(c); };
  return s;
}

}  // namespace

std::vector<ProcessFunction> BuiltinProcessFunctions() {
  std::vector<ProcessFunction> out;
  out.push_back({"inactivity", SetupInactivity});
  out.push_back({"best_until", SetupBestUntil});
  return out;
}

}  // namespace sluice
