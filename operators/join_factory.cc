#include <fmt/format.h>

#include "base/time_util.h"
#include "operators/join_base.h"

namespace sluice {
namespace {

Status CheckKeys(const JoinDef& def, const Schema& left, const Schema& right) {
  if (def.left_key.size() != def.right_key.size()) {
    return Status::InvalidArgument(fmt::format(
        "a join compares keys field by field: the left input has {} key fields, the right {}",
        def.left_key.size(), def.right_key.size()));
  }
  for (size_t i = 0; i < def.left_key.size(); ++i) {
    const int l = def.left_key[i], r = def.right_key[i];
    if (l < 0 || static_cast<size_t>(l) >= left.size() || r < 0 ||
        static_cast<size_t>(r) >= right.size()) {
      return Status::InvalidArgument(fmt::format("join key field {} is out of range", i + 1));
    }
    // Keys compare by their encoded raw values, so timestamps must share their unit too.
    const Field& lf = left.field(l);
    const Field& rf = right.field(r);
    if (TypeName(lf) != TypeName(rf)) {
      return Status::InvalidArgument(fmt::format(
          "join key field {}: left '{}' is {} but right '{}' is {}; keys must have the same types",
          i + 1, lf.name, TypeName(lf), rf.name, TypeName(rf)));
    }
  }
  return Status::OK();
}

Status CheckDef(const JoinDef& def) {
  auto too_long = [](int64_t d) { return d > kMaxDuration || d < -kMaxDuration; };
  if (def.kind == OpKind::kJoin) {
    if (def.type != JoinType::kInner) return Status::InvalidArgument("a regular join is inner");
    for (int64_t ttl : def.ttl) {
      if (ttl < 0 || too_long(ttl)) {
        return Status::InvalidArgument("a join's state ttl must be >= 0 and at most 10,000 years");
      }
    }
    return Status::OK();
  }
  if (def.kind == OpKind::kIntervalJoin) {
    if (def.lower > def.upper) {
      return Status::InvalidArgument(fmt::format(
          "interval join needs lower <= upper (lower {}us, upper {}us)", def.lower, def.upper));
    }
    if (too_long(def.lower) || too_long(def.upper)) {
      return Status::InvalidArgument("interval join bounds must be at most 10,000 years");
    }
    return Status::OK();
  }
  if (def.kind != OpKind::kWindowJoin) return Status::InvalidArgument("not a join");
  if (def.type != JoinType::kInner) {
    return Status::InvalidArgument(
        "window joins are inner joins; use an interval join for "
        "left, right or full outer joins");
  }
  if (def.window == WindowKind::kSession) {
    if (def.gap <= 0 || too_long(def.gap)) {
      return Status::InvalidArgument("session join gap must be > 0 and at most 10,000 years");
    }
    return Status::OK();
  }
  const int64_t slide = def.window == WindowKind::kTumbling ? def.size : def.slide;
  if (def.size <= 0 || slide <= 0 || slide > def.size || too_long(def.size)) {
    return Status::InvalidArgument("window join needs size > 0 and 0 < slide <= size");
  }
  if (std::string e = SlidingRatioError(def.size, slide); !e.empty()) {
    return Status::InvalidArgument(e);
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<KeyedOperator>> MakeJoinOperator(const JoinDef& def, const Schema& left,
                                                        const Schema& right) {
  SLUICE_RETURN_IF_ERROR(CheckDef(def));
  SLUICE_RETURN_IF_ERROR(CheckKeys(def, left, right));
  SLUICE_ASSIGN_OR_RETURN(Schema output, JoinOutputSchema(def, left, right));
  JoinDef d = def;
  if (d.kind == OpKind::kWindowJoin && d.window == WindowKind::kTumbling) d.slide = d.size;
  if (d.kind == OpKind::kIntervalJoin || d.kind == OpKind::kJoin) {
    return MakeBufferedJoin(d, left, right, std::move(output));
  }
  if (d.window == WindowKind::kSession) return MakeSessionJoin(d, left, right, std::move(output));
  return MakeWindowJoin(d, left, right, std::move(output));
}

}  // namespace sluice
