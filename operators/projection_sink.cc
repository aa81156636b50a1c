#include "operators/projection_sink.h"

#include <fmt/format.h>

#include <algorithm>

#include "codecs/state_codec.h"

namespace sluice {

Status ProjectionSink::Open(const Schema& schema) {
  return Status::InvalidArgument(
      fmt::format("projection '{}' needs checkpoints: give the pipeline a state_dir", spec_.name));
}

Status ProjectionSink::Resume(const Schema& schema, std::string_view state) {
  schema_ = schema;
  key_columns_.clear();
  for (const std::string& k : spec_.key) {
    const int i = schema.IndexOf(k);
    if (i < 0) {
      return Status::InvalidArgument(
          fmt::format("projection '{}': key field '{}' is not an output field ({})", spec_.name, k,
                      schema.ToString()));
    }
    key_columns_.push_back(i);
  }
  if (key_columns_.empty()) {
    return Status::InvalidArgument(fmt::format("projection '{}' needs a key", spec_.name));
  }
  changelog_ = schema.size() > 1 && schema.field(0).name == "op" &&
               schema.field(0).type == Type::kString;
  if (changelog_ && key_columns_.front() == 0) {
    return Status::InvalidArgument(fmt::format(
        "projection '{}': 'op' is the changelog's operation, not a key field", spec_.name));
  }
  encoder_ = std::make_unique<JsonlEncoder>(schema, std::string_view(), changelog_ ? 1 : 0);
  Status s = EventLog::OpenShared(LogOptions{}, spec_.path, &env_);
  if (!s.ok()) return s.WithPrefix(fmt::format("projection '{}'", spec_.name));
  SLUICE_RETURN_IF_ERROR(ProjectionStore::Open(env_.get(), &store_));
  SLUICE_RETURN_IF_ERROR(ProjectionChanges::Open(env_.get(), &changes_));

  ProjectionInfo current;
  Status got = store_->GetInfo(spec_.name, &current);
  if (!got.ok() && !got.IsNotFound()) return got;
  const std::string serving = got.ok() ? current.physical : spec_.name;
  if (state.empty()) {
    if (!spec_.into.empty() && spec_.into == serving) {
      return Status::InvalidArgument(
          fmt::format("projection '{}' is served by table '{}' already; replay into another name",
                      spec_.name, serving));
    }
    physical_ = spec_.into.empty() ? serving : spec_.into;
    old_physical_ = serving;
    clear_first_ = true;
    rows_ = 0;
    return Status::OK();
  }
  StateReader r(state, "projection sink checkpoint");
  uint32_t version = 0;
  r.ReadHeader(kStateProjectionSink, 1, &version);
  physical_ = std::string(r.String());
  old_physical_ = std::string(r.String());
  rows_ = r.Varint();
  r.ExpectEnd();
  SLUICE_RETURN_IF_ERROR(r.status());
  if (spec_.into.empty() && physical_ != serving) {
    return Status::InvalidArgument(
        fmt::format("projection '{}' is now served by table '{}' (switched by a replay), but this "
                    "pipeline's checkpoint wrote table '{}'; run with --from-scratch",
                    spec_.name, serving, physical_));
  }
  clear_first_ = false;
  return Status::OK();
}

Status ProjectionSink::Write(const Batch& batch) {
  if (!encoder_) return Status::Aborted("projection sink is not open");
  const size_t n = batch.size();
  for (size_t r = 0; r < n; ++r) {
    key_.clear();
    for (int c : key_columns_) EncodeKeyColumn(batch.columns[c], r, &key_);
    // A later row of the same key replaces the earlier one.
    Pending& p = pending_[key_];
    p.removed = changelog_ && batch.columns[0].is_valid(r) && batch.columns[0].str(r) == "-";
    p.json.clear();
    encoder_->AppendRows(batch, r, r + 1, &p.json);
    if (!p.json.empty() && p.json.back() == '\n') p.json.pop_back();
  }
  rows_ += n;
  return Status::OK();
}

Status ProjectionSink::PrepareCheckpoint(std::string* state) {
  if (!encoder_) return Status::Aborted("projection sink is not open");
  StateWriter w(state);
  w.PutHeader(kStateProjectionSink, 1);
  w.PutString(physical_);
  w.PutString(old_physical_);
  w.PutVarint(rows_);
  return Status::OK();
}

Status ProjectionSink::WriteInCheckpoint(LogWriteTxn* txn, const CheckpointMark& mark) {
  // The stored row count is read in this transaction, not remembered: the count that commits is
  // the table's true one even if something else wrote the table since the last checkpoint.
  uint64_t rows = 0;
  {
    ProjectionInfo stored;
    Status g = store_->GetInfo(txn->txn(), building() ? physical_ : spec_.name, &stored);
    if (!g.ok() && !g.IsNotFound()) return g;
    if (g.ok() && !building() && stored.physical != physical_) {
      return Status::Conflict(fmt::format(
          "projection '{}' was switched to table '{}' while this run wrote table '{}'",
          spec_.name, stored.physical, physical_));
    }
    if (g.ok()) rows = stored.rows;
  }
  if (clear_first_) {
    SLUICE_RETURN_IF_ERROR(store_->Clear(txn, physical_));
    rows = 0;
  }
  Applied applied;
  for (const auto& [key, p] : pending_) {
    if (p.removed) {
      bool removed = false;
      SLUICE_RETURN_IF_ERROR(store_->DeleteRow(txn, physical_, key, &removed));
      rows -= removed && rows > 0;
      if (removed) applied.emplace_back(ChangeKind::kDelete, &p.json);
      continue;
    }
    bool inserted = false;
    SLUICE_RETURN_IF_ERROR(store_->PutRow(txn, physical_, key, p.json, &inserted));
    rows += inserted;
    applied.emplace_back(ChangeKind::kUpsert, &p.json);
  }
  SLUICE_RETURN_IF_ERROR(RecordChanges(txn, mark, applied));
  ProjectionInfo info;
  info.name = spec_.name;
  info.physical = physical_;
  info.pipeline = mark.pipeline;
  for (int c : key_columns_) info.key.push_back(schema_.field(c));
  info.columns = schema_.fields();
  if (changelog_) info.columns.erase(info.columns.begin());
  info.checkpoint_id = mark.id;
  info.position = mark.position;
  info.watermark = mark.watermark;
  info.rows = rows;
  info.updated_at = mark.taken_at;
  if (!building()) return store_->PutInfo(txn, info);
  ProjectionInfo table = info;
  table.name = physical_;
  if (!mark.finished) return store_->PutInfo(txn, table);
  // The final checkpoint of a replay: switch the name over and drop the table it served.
  SLUICE_RETURN_IF_ERROR(store_->PutInfo(txn, info));
  SLUICE_RETURN_IF_ERROR(store_->PutInfo(txn, table));
  SLUICE_RETURN_IF_ERROR(store_->Clear(txn, old_physical_));
  if (old_physical_ != spec_.name) SLUICE_RETURN_IF_ERROR(store_->RemoveInfo(txn, old_physical_));
  return Status::OK();
}

Status ProjectionSink::RecordChanges(LogWriteTxn* txn, const CheckpointMark& mark,
                                     const Applied& applied) {
  const std::string& name = spec_.name;
  ChangeMeta meta;
  Status g = changes_->GetMeta(txn->txn(), name, &meta);
  if (!g.ok() && !g.IsNotFound()) return g;
  const bool had_history = g.ok();
  const uint64_t id = std::max<uint64_t>(mark.id, meta.last + 1);
  if (building()) {
    // A replay's rows went to another table; the name's history covers it from its switch on,
    // so readers that followed the old table start over from the new one.
    if (!mark.finished || !had_history) return Status::OK();
    SLUICE_RETURN_IF_ERROR(changes_->Clear(txn, name));
    return changes_->PutMeta(txn, name, ChangeMeta{id + 1, id});
  }
  if (spec_.keep_changes == 0) {
    if (had_history && !history_checked_) SLUICE_RETURN_IF_ERROR(changes_->Clear(txn, name));
    history_checked_ = true;
    return Status::OK();
  }
  if (!had_history) meta.horizon = id;
  ProjectionChange change;
  change.id = id;
  change.checkpoint = mark.id;
  if (clear_first_) {
    change.kind = ChangeKind::kReset;
    SLUICE_RETURN_IF_ERROR(changes_->Put(txn, name, change));
    ++change.index;
  }
  for (const auto& [kind, json] : applied) {
    change.kind = kind;
    change.row = *json;
    SLUICE_RETURN_IF_ERROR(changes_->Put(txn, name, change));
    ++change.index;
  }
  if (change.index > 0) meta.last = id;
  if (id >= spec_.keep_changes && id - spec_.keep_changes + 1 > meta.horizon) {
    meta.horizon = id - spec_.keep_changes + 1;
    SLUICE_RETURN_IF_ERROR(changes_->Prune(txn, name, meta.horizon));
  }
  history_checked_ = true;
  return changes_->PutMeta(txn, name, meta);
}

void ProjectionSink::CheckpointCommitted() {
  clear_first_ = false;
  ClearPending();
}

void ProjectionSink::ClearPending() { pending_.clear(); }

}  // namespace sluice
