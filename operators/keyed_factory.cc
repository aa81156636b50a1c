#include "operators/keyed_stage_base.h"

namespace sluice {

Result<std::unique_ptr<KeyedOperator>> MakeKeyedOperator(const KeyedStageDef& def,
                                                         const Schema& input) {
  if (def.kind == OpKind::kDeduplicate) {
    if (def.state_ttl < 0) return Status::InvalidArgument("state_ttl must be >= 0");
    return std::unique_ptr<KeyedOperator>(MakeDeduplicate(def, input).release());
  }
  if (def.kind == OpKind::kProcess) {
    if (!def.process || !def.process->make) {
      return Status::InvalidArgument("a process stage needs its function's setup");
    }
    return std::unique_ptr<KeyedOperator>(MakeProcessStage(def, input).release());
  }
  if (def.kind == OpKind::kTopN) {
    if (def.top_n <= 0 || def.order.empty()) {
      return Status::InvalidArgument("top_n needs n >= 1 and an order");
    }
    if (def.window_end_column >= 0) {
      if (def.window_end_column >= static_cast<int>(input.size()) ||
          input.field(def.window_end_column).type != Type::kTimestamp) {
        return Status::InvalidArgument("a top_n per window needs a timestamp window_end column");
      }
      return std::unique_ptr<KeyedOperator>(MakeWindowTopN(def, input).release());
    }
    return std::unique_ptr<KeyedOperator>(MakeTopN(def, input).release());
  }
  if (def.kind == OpKind::kAggregate && def.rows > 0) {
    if (def.every < 1 || def.every > def.rows) {
      return Status::InvalidArgument("a row window needs 1 <= every <= rows");
    }
    return std::unique_ptr<KeyedOperator>(MakeRowWindow(def, input).release());
  }
  if (def.kind == OpKind::kAggregate) {
    return std::unique_ptr<KeyedOperator>(MakeRunningAggregate(def, input).release());
  }
  if (def.window == WindowKind::kSession) {
    if (def.gap <= 0) return Status::InvalidArgument("session gap must be > 0");
    return std::unique_ptr<KeyedOperator>(MakeSessionWindow(def, input).release());
  }
  if (def.size <= 0 || def.slide <= 0 || def.slide > def.size) {
    return Status::InvalidArgument("window needs size > 0 and 0 < slide <= size");
  }
  if (def.slide == def.size) {
    return std::unique_ptr<KeyedOperator>(MakeTumblingWindow(def, input).release());
  }
  return std::unique_ptr<KeyedOperator>(MakePaneWindow(def, input).release());
}

}  // namespace sluice

namespace sluice {

Status KeyedOperator::ProcessTwo(const TwoInputs&, Batch*) {
  return Status::Internal("a one-input keyed operator was given two inputs");
}

}  // namespace sluice
