#include "serve/change_stream.h"

#include <fmt/format.h>

namespace sluice::serve {
namespace {

// One event; `id` > 0 ends a set.
void AppendEvent(uint64_t set, uint64_t checkpoint, std::string_view op, std::string_view row,
                 bool last_of_set, std::string* out) {
  if (last_of_set) fmt::format_to(std::back_inserter(*out), "id: {}\n", set);
  fmt::format_to(std::back_inserter(*out), "data: {{\"id\":{},\"checkpoint\":{},\"op\":\"{}\"",
                 set, checkpoint, op);
  if (!row.empty()) {
    out->append(",\"row\":");
    out->append(row);
  }
  out->append("}\n\n");
}

std::string_view OpText(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kUpsert:
      return "+";
    case ChangeKind::kDelete:
      return "-";
    case ChangeKind::kReset:
      break;
  }
  return "reset";
}

}  // namespace

Status ChangeStream::Open() {
  if (!reader_.store) SLUICE_RETURN_IF_ERROR(ProjectionReader::Open(state_dir_, &reader_));
  if (!changes_) {
    Status s = ProjectionChanges::Open(reader_.env.get(), &changes_);
    if (s.IsNotFound()) {
      return Status::NotFound(fmt::format("projection '{}' keeps no change history", name_));
    }
    SLUICE_RETURN_IF_ERROR(s);
  }
  return Status::OK();
}

Status ChangeStream::Snapshot(lmdb::Txn* txn, const ProjectionInfo& info, uint64_t id,
                              std::string* out) {
  // Each event is held until the next shows whether it ends the set.
  std::string_view op = "reset";
  std::string held;
  SLUICE_RETURN_IF_ERROR(
      reader_.store->Scan(txn, info.physical, {}, [&](std::string_view, std::string_view json) {
        AppendEvent(id, info.checkpoint_id, op, held, false, out);
        op = "+";
        held.assign(json);
        return true;
      }));
  AppendEvent(id, info.checkpoint_id, op, held, true, out);
  return Status::OK();
}

Status ChangeStream::Poll(std::string* out, size_t max_bytes) {
  SLUICE_RETURN_IF_ERROR(Open());
  return reader_.env->View([&](lmdb::Txn* txn) -> Status {
    ProjectionInfo info;
    SLUICE_RETURN_IF_ERROR(reader_.store->GetInfo(txn, name_, &info));
    ChangeMeta meta;
    SLUICE_RETURN_IF_ERROR(changes_->GetMeta(txn, name_, &meta));
    if (last_ > meta.last || last_ + 1 < meta.horizon) {
      SLUICE_RETURN_IF_ERROR(Snapshot(txn, info, meta.last, out));
      last_ = meta.last;
      return Status::OK();
    }
    if (last_ == meta.last) return Status::OK();
    std::string held;
    uint64_t held_set = 0, held_checkpoint = 0;
    ChangeKind held_kind = ChangeKind::kUpsert;
    bool stopped = false;
    Status scan = changes_->Scan(txn, name_, last_, [&](const ProjectionChange& c) {
      if (held_set != 0) {
        const bool ends = c.id != held_set;
        AppendEvent(held_set, held_checkpoint, OpText(held_kind), held, ends, out);
        if (ends) {
          last_ = held_set;
          if (out->size() >= max_bytes) {
            stopped = true;
            held_set = 0;
            held.clear();
            return false;
          }
        }
      }
      held_set = c.id;
      held_checkpoint = c.checkpoint;
      held_kind = c.kind;
      held.assign(c.row);
      return true;
    });
    SLUICE_RETURN_IF_ERROR(scan);
    if (!stopped && held_set != 0) {
      AppendEvent(held_set, held_checkpoint, OpText(held_kind), held, true, out);
      last_ = held_set;
    }
    return Status::OK();
  });
}

}  // namespace sluice::serve
