// PipelineImpl: owns a Plan and runs it: opens (or resumes) its outputs and checkpoint store,
// creates and restores the keyed operators, runs the flow graph (runtime/flow_graph.h) and
// closes or abandons the outputs. As the graph's RunGuard it holds the run's sticky error:
// exceptions never leave a node, they become that error, which stops the source so the graph
// drains.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>

#include "sluice/pipeline.h"
#include "operators/jsonl_sink.h"
#include "runtime/plan.h"
#include "runtime/run_guard.h"
#include "runtime/stage_counters.h"
#include "operators/sink.h"

namespace sluice {

class PipelineImpl final : public Pipeline, private RunGuard {
 public:
  PipelineImpl(std::unique_ptr<Plan> plan, const PipelineOptions& options);

  Status Run() override;
  void Stop() override;
  PipelineStats Stats() const override;
  const Schema& output_schema() const override { return plan_->output_schema; }
  uint32_t parallelism() const override { return plan_->parallelism; }

 private:
  // RunGuard.
  void Fail(const Status& s) override;
  bool failed() const override { return stop_.load(std::memory_order_relaxed); }
  Status OutOfMemory(std::string_view stage, const KeyedOperator* op) noexcept override;
  void SetEventsIn(uint64_t n) override { events_in_.store(n, std::memory_order_relaxed); }
  void SetLogBehind(uint64_t positions) override {
    log_behind_.store(positions, std::memory_order_relaxed);
    has_log_behind_.store(true, std::memory_order_relaxed);
  }
  void SetInputProgress(uint64_t done, uint64_t total) override {
    input_done_.store(done, std::memory_order_relaxed);
    input_total_.store(total, std::memory_order_relaxed);
  }
  // The run's outcome once the graph has drained: its error, Aborted after Stop(), or OK.
  Status RunStatus() const;
  // Every sink of a run, the late-event sink (or null) and the dead-letter file.
  struct Outputs {
    std::vector<std::unique_ptr<Sink>> sinks;
    std::unique_ptr<LateSink> late;
    std::unique_ptr<DeadLetterWriter> dead_letters;
  };
  Status RunOnce();
  Status MakeOutputs(Outputs* out);
  Status OpenOutputs(Outputs* out, const struct CheckpointRecord* resume, bool checkpoints);
  void AbandonOutputs(Outputs* out, bool checkpoints);
  Status CloseOutputs(Outputs* out);
  void PublishStats(const Outputs& out, uint64_t late, uint64_t events);
  void RecordCheckpoint(const CheckpointStats& c);

  // Freed when an allocation fails, so that the failure can still be reported and the graph
  // drained: the state that filled memory stays allocated until the run returns.
  static constexpr size_t kMemoryReserveBytes = size_t{16} << 20;

  std::unique_ptr<Plan> plan_;
  const PipelineOptions options_;
  StageCounters counters_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Status error_;                  // GUARDED_BY(mu_)
  bool stopped_by_user_ = false;  // GUARDED_BY(mu_)
  std::unique_ptr<char[]> memory_reserve_;  // GUARDED_BY(mu_)
  const Status out_of_memory_ = Status::ResourceExhausted("out of memory");
  uint64_t resumed_from_ = 0;     // GUARDED_BY(mu_)
  std::string resumed_position_;  // GUARDED_BY(mu_)
  uint64_t events_before_ = 0;    // GUARDED_BY(mu_)
  std::deque<CheckpointStats> recent_checkpoints_;  // GUARDED_BY(mu_)
  std::vector<uint64_t> checkpoint_buckets_;        // GUARDED_BY(mu_)
  double checkpoint_seconds_sum_ = 0;               // GUARDED_BY(mu_)
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> last_checkpoint_{0};
  std::atomic<bool> finalized_only_{false};
  std::atomic<bool> already_complete_{false};

  std::atomic<uint64_t> events_in_{0};
  std::atomic<uint64_t> records_out_{0};
  std::atomic<uint64_t> late_{0};
  std::atomic<uint64_t> dead_letters_{0};
  std::vector<std::string> sink_names_;                  // one per sink
  std::unique_ptr<std::atomic<uint64_t>[]> sink_rows_;  // one per sink (SinkWriter publishes)
  std::atomic<uint64_t> input_done_{0};
  std::atomic<uint64_t> input_total_{0};  // 0: input size unknown
  std::atomic<uint64_t> log_behind_{0};
  std::atomic<bool> has_log_behind_{false};
  std::atomic<int64_t> start_ns_{0};
  std::atomic<int64_t> end_ns_{0};
};

}  // namespace sluice
