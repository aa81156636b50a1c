#include "runtime/checkpointer.h"

#include <fmt/format.h>


#include "runtime/crash_point.h"
#include "runtime/definition.h"
#include "base/time_util.h"

namespace sluice {

Checkpointer::Checkpointer(const Plan& plan, std::string name, std::string definition)
    : plan_(plan), name_(std::move(name)), definition_(std::move(definition)) {}

Status Checkpointer::Begin(bool from_scratch) {
  SLUICE_RETURN_IF_ERROR(
      CheckpointStore::Open(plan_.state_dir, &store_, plan_.spec.state_max_size));
  // The lock is the pipeline's, not the checkpoint key's: a replay writes the same projections
  // as the live run, so the two must never run at once.
  SLUICE_RETURN_IF_ERROR(store_->Lock(plan_.spec.name));
  auto loaded = store_->Load(name_);
  if (!loaded.ok() && from_scratch && loaded.status().IsCorruption()) {
    // A damaged checkpoint is what --from-scratch is for: discard it unread.
    SLUICE_RETURN_IF_ERROR(store_->Remove(name_));
    loaded = std::optional<CheckpointRecord>();
  }
  if (!loaded.ok()) {
    return loaded.status().WithPrefix(fmt::format(
        "cannot read the checkpoint of '{}' in '{}' (run with --from-scratch to discard it)", name_,
        plan_.state_dir));
  }
  const std::optional<CheckpointRecord>& rec = *loaded;
  const std::string change = rec ? DefinitionChange(rec->definition, definition_) : "";
  // Output that a new run would print again (stdout) or drop is nothing to protect.
  bool keeps_output = false;
  for (const SinkSpec& sink : plan_.sinks) {
    keeps_output |= sink.type != "stdout" && sink.type != "null" && sink.type != "collector";
  }
  if (rec && !from_scratch && rec->finished && rec->closed && change.empty() && keeps_output) {
    // A kill can land after the run marked itself complete and before it exited: running it
    // again must not redo it (a log sink would append everything twice).
    resumed_ = *rec;
    last_ = *rec;
    start_ = Start::kComplete;
    return Status::OK();
  }
  if (rec && !from_scratch && !(rec->finished && rec->closed)) {
    if (!change.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}pipeline '{}' changed since its checkpoint {} (taken {}): {}; run with "
                      "--from-scratch to discard the checkpoint and start over",
                      plan_.spec.file.empty() ? "" : plan_.spec.file + ": ", name_, rec->id,
                      FormatIso(rec->taken_at), change));
    }
    resumed_ = *rec;
    last_ = *rec;
    start_ = rec->finished ? Start::kFinalize : Start::kResume;
    return Status::OK();
  }
  // No checkpoint, --from-scratch, or a completed run of another definition: a new run.
  start_ = Start::kFresh;
  if (rec) SLUICE_RETURN_IF_ERROR(store_->Remove(name_));
  return Status::OK();
}

void Checkpointer::SetOutputs(std::vector<Sink*> sinks, Sink* late,
                              DeadLetterWriter* dead_letters) {
  sinks_ = std::move(sinks);
  late_ = late;
  dead_letters_ = dead_letters;
}

Status Checkpointer::Take(const Cut& cut) {
  CrashPoint("checkpoint-before-sync");
  CheckpointRecord rec;
  rec.id = last_.id + 1;
  rec.taken_at = WallNowUs();
  rec.finished = cut.finished;
  rec.definition = definition_;
  rec.lanes = plan_.keyed() ? plan_.parallelism : 0;
  rec.driver = cut.driver;
  rec.position_text = cut.position_text;
  rec.watermark = cut.watermark;
  rec.stages = cut.stages;
  rec.sinks.resize(sinks_.size());
  for (size_t i = 0; i < sinks_.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(sinks_[i]->PrepareCheckpoint(&rec.sinks[i]));
  }
  if (late_) SLUICE_RETURN_IF_ERROR(late_->PrepareCheckpoint(&rec.late));
  SLUICE_RETURN_IF_ERROR(dead_letters_->Sync(&rec.dead_letters));
  rec.events_in = cut.events_in;
  rec.records_out = sinks_.empty() ? 0 : sinks_[0]->rows();
  rec.late_events = cut.late_events;
  rec.dead_letter_count = dead_letters_->count();
  CrashPoint("checkpoint-before-commit");

  CheckpointMark mark;
  mark.pipeline = plan_.spec.name;
  mark.id = rec.id;
  mark.finished = rec.finished;
  mark.position = rec.position_text;
  mark.watermark = rec.watermark;
  mark.taken_at = rec.taken_at;
  Status s = store_->Commit(name_, rec, [&](LogWriteTxn* txn) -> Status {
    for (Sink* sink : sinks_) SLUICE_RETURN_IF_ERROR(sink->WriteInCheckpoint(txn, mark));
    return Status::OK();
  });
  if (!s.ok()) return s.WithPrefix(fmt::format("checkpoint {} of '{}'", rec.id, name_));
  CrashPoint("checkpoint-after-commit");
  for (Sink* sink : sinks_) sink->CheckpointCommitted();
  last_ = std::move(rec);
  ++taken_;
  return Status::OK();
}

Status Checkpointer::MarkClosed() {
  CrashPoint("finish-before-mark");
  last_.closed = true;
  return store_->Commit(name_, last_);
}

}  // namespace sluice
