// PipelineImpl: owns a Plan and runs it as one oneTBB flow graph per Run().
//
//   input_node (source, serial) -> limiter_node (max_in_flight batches)
//     -> function_node (pre transforms + key routing, unlimited concurrency)
//     -> per keyed stage, per lane: sequencer_node (restores source order) -> function_node
//        (keyed operator and post transforms, serial)
//        -> between stages: multifunction_node (exchange: gathers the lanes' results of a seq
//           in canonical order and routes them to the next stage's lanes)
//     -> multifunction_node (OutputStage, serial) -> limiter decrement
//
// Unkeyed pipelines skip the lanes. Exceptions never leave a node body: they become the
// pipeline's sticky error, which stops the source so the graph drains.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string_view>

#include "sluice/pipeline.h"
#include "runtime/plan.h"
#include "operators/sink.h"

namespace sluice {

class PipelineImpl final : public Pipeline {
 public:
  PipelineImpl(std::unique_ptr<Plan> plan, const PipelineOptions& options)
      : plan_(std::move(plan)), options_(options) {}

  Status Run() override;
  void Stop() override;
  PipelineStats Stats() const override;
  const Schema& output_schema() const override { return plan_->output_schema; }
  uint32_t parallelism() const override { return plan_->parallelism; }

 private:
  // Records the first error; later ones are dropped. Thread-safe.
  void Fail(const Status& s);
  bool failed() const { return stop_.load(std::memory_order_relaxed); }
  // Every sink of a run, the late-event sink (or null) and the dead-letter file.
  struct Outputs {
    std::vector<std::unique_ptr<Sink>> sinks;
    std::unique_ptr<Sink> late;
    std::unique_ptr<DeadLetterWriter> dead_letters;
  };
  Status RunOnce();
  Status MakeOutputs(Outputs* out);
  Status OpenOutputs(Outputs* out, const struct CheckpointRecord* resume, bool checkpoints);
  void AbandonOutputs(Outputs* out, bool checkpoints);
  Status CloseOutputs(Outputs* out);
  void PublishStats(const Outputs& out, uint64_t late, uint64_t events);
  Schema LateSchema() const;
  // ops[k][i]: keyed stage k's operator of lane i.
  Status RunGraph(class SourceDriver* driver, class OutputStage* output,
                  std::vector<std::vector<std::unique_ptr<KeyedOperator>>>* ops);
  // The error of a run that ran out of memory in `stage`, naming the keys `op` (if any) holds.
  // Frees the memory reserve first. Thread-safe; never throws.
  Status OutOfMemory(std::string_view stage, const KeyedOperator* op) noexcept;

  // Freed when an allocation fails, so that the failure can still be reported and the graph
  // drained: the state that filled memory stays allocated until the run returns.
  static constexpr size_t kMemoryReserveBytes = size_t{16} << 20;

  std::unique_ptr<Plan> plan_;
  const PipelineOptions options_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Status error_;                  // GUARDED_BY(mu_)
  bool stopped_by_user_ = false;  // GUARDED_BY(mu_)
  std::unique_ptr<char[]> memory_reserve_;  // GUARDED_BY(mu_)
  const Status out_of_memory_ = Status::ResourceExhausted("out of memory");
  uint64_t resumed_from_ = 0;     // GUARDED_BY(mu_)
  std::string resumed_position_;  // GUARDED_BY(mu_)
  uint64_t events_before_ = 0;    // GUARDED_BY(mu_)
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> last_checkpoint_{0};
  std::atomic<bool> finalized_only_{false};
  std::atomic<bool> already_complete_{false};

  std::atomic<uint64_t> events_in_{0};
  std::atomic<uint64_t> records_out_{0};
  std::atomic<uint64_t> late_{0};
  std::atomic<uint64_t> dead_letters_{0};
  std::atomic<int64_t> start_ns_{0};
  std::atomic<int64_t> end_ns_{0};
};

}  // namespace sluice
