#include "operators/join_base.h"

#include <fmt/format.h>

#include "base/time_util.h"
#include "operators/acc_codec.h"

namespace sluice {

std::string JoinFingerprint(const JoinDef& def, const Schema& left, const Schema& right) {
  std::string out;
  if (def.kind == OpKind::kJoin) {
    out = fmt::format("join inner left_ttl={} right_ttl={}", def.ttl[0], def.ttl[1]);
  } else if (def.kind == OpKind::kIntervalJoin) {
    static constexpr const char* kTypes[] = {"inner", "left", "right", "full"};
    out = fmt::format("interval_join {} lower={} upper={}", kTypes[static_cast<int>(def.type)],
                      def.lower, def.upper);
  } else if (def.window == WindowKind::kSession) {
    out = fmt::format("window_join session gap={}", def.gap);
  } else {
    out = fmt::format("window_join {} size={} slide={}",
                      def.window == WindowKind::kTumbling ? "tumbling" : "sliding", def.size,
                      def.window == WindowKind::kTumbling ? def.size : def.slide);
  }
  auto keys = [](const std::vector<int>& cols) {
    std::string s;
    for (size_t i = 0; i < cols.size(); ++i) s += fmt::format("{}#{}", i ? "," : "", cols[i]);
    return s;
  };
  auto types = [](const Schema& schema) {
    std::string s;
    for (size_t i = 0; i < schema.size(); ++i) {
      s += fmt::format("{}{}", i ? "," : "", TypeName(schema.field(i)));
    }
    return s;
  };
  out += fmt::format(" left_key={} right_key={} left=({}) right=({})", keys(def.left_key),
                     keys(def.right_key), types(left), types(right));
  return out;
}

JoinBase::JoinBase(const JoinDef& def, const Schema& left, const Schema& right, Schema output)
    : def_(def),
      input_{left, right},
      output_(std::move(output)),
      key_cols_{def.left_key, def.right_key},
      fingerprint_(JoinFingerprint(def, left, right)) {
  for (int k : def.left_key) key_types_.push_back(left.field(k).type);
}

void JoinBase::Emit(const Batch* l, size_t lr, const Batch* r, size_t rr, int64_t start,
                    int64_t end, TimeUs ts, TimeUs wm, uint64_t pos, Batch* out) const {
  size_t c = 0;
  const size_t nl = input_[0].size(), nr = input_[1].size();
  for (size_t k = 0; k < nl; ++k, ++c) {
    if (l) {
      out->columns[c].push_from(l->columns[k], lr);
    } else {
      out->columns[c].push_null();
    }
  }
  for (size_t k = 0; k < nr; ++k, ++c) {
    if (r) {
      out->columns[c].push_from(r->columns[k], rr);
    } else {
      out->columns[c].push_null();
    }
  }
  if (def_.kind == OpKind::kWindowJoin) {
    const bool iso = def_.time_unit == TimeUnit::kIso;
    out->columns[c++].push_int(iso ? start : MicrosToRaw(start, def_.time_unit));
    out->columns[c++].push_int(iso ? end : MicrosToRaw(end, def_.time_unit));
  }
  out->ts.push_back(ts);
  out->wm.push_back(wm);
  out->pos.push_back(pos);
}

void JoinBase::Late(int side, const Batch& b, size_t r, Batch* out) {
  std::unique_ptr<Batch>& late = side == kLeftSide ? out->late : out->late_right;
  if (!late) {
    late = std::make_unique<Batch>();
    late->reset(input_[side]);
  }
  late->append_row(b, r);
  ++stats_.late;
}

void JoinBase::PutPrologue(StateWriter* w, uint8_t tag) const {
  w->PutHeader(tag, kJoinSnapshotVersion);
  w->PutString(fingerprint_);
  w->PutVarint(arrival_);
  w->PutVarint(stats_.late);
  w->PutSigned(seen_);
}

bool JoinBase::ReadPrologue(StateReader* r, uint8_t tag, uint64_t* arrival, uint64_t* late,
                            TimeUs* seen) const {
  uint32_t version = 0;
  if (!r->ReadHeader(tag, kJoinSnapshotVersion, &version)) return false;
  const std::string_view got = r->String();
  if (r->ok() && got != fingerprint_) {
    return r->Fail(
        fmt::format("was taken by a different join definition: snapshot \"{}\", operator \"{}\"",
                    PrintableFingerprint(got, 300), fingerprint_));
  }
  *arrival = r->Varint();
  *late = r->Varint();
  *seen = r->Signed();
  return r->ok();
}

std::string_view JoinBase::ReadKey(StateReader* r) const {
  const std::string_view key = r->String();
  if (r->ok() && !IsValidKey(key, key_types_)) r->Fail("has a malformed key");
  return key;
}

}  // namespace sluice
