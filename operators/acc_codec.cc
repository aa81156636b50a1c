#include "operators/acc_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace sluice {
namespace {

enum AccField : uint32_t {
  kN = 1u << 0,
  kIsum = 1u << 1,
  kDsum = 1u << 2,
  kHas = 1u << 3,
  kBi = 1u << 4,
  kBd = 1u << 5,
  kBs = 1u << 6,
  kBts = 1u << 7,
  kBarr = 1u << 8,
  kDistinct = 1u << 9,   // the set exists (it may be empty)
  kIsumHigh = 1u << 10,  // isum beyond int64: its high 64 bits, written right after isum
  kAllFields = (1u << 11) - 1,
};

// Doubles are compared by their bits, so -0.0 and NaN payloads survive a round trip.
bool NonZero(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits != 0;
}

void PutState(StateWriter* w, const AggState& s) {
  // isum = high * 2^64 + low, with low its lowest 64 bits as a signed value: a sum within int64
  // is written as before, high only when it is not.
  const int64_t isum_low = static_cast<int64_t>(s.isum);
  const int64_t isum_high = static_cast<int64_t>((s.isum - isum_low) >> 64);
  uint32_t flags = 0;
  if (s.n != 0) flags |= kN;
  if (isum_low != 0) flags |= kIsum;
  if (isum_high != 0) flags |= kIsumHigh;
  if (NonZero(s.dsum)) flags |= kDsum;
  if (s.has) flags |= kHas;
  if (s.bi != 0) flags |= kBi;
  if (NonZero(s.bd)) flags |= kBd;
  if (!s.bs.empty()) flags |= kBs;
  if (s.bts != 0) flags |= kBts;
  if (s.barr != 0) flags |= kBarr;
  if (s.distinct) flags |= kDistinct;
  w->PutVarint(flags);
  if (flags & kN) w->PutSigned(s.n);
  if (flags & kIsum) w->PutSigned(isum_low);
  if (flags & kIsumHigh) w->PutSigned(isum_high);
  if (flags & kDsum) w->PutDouble(s.dsum);
  if (flags & kBi) w->PutSigned(s.bi);
  if (flags & kBd) w->PutDouble(s.bd);
  if (flags & kBs) w->PutString(s.bs);
  if (flags & kBts) w->PutSigned(s.bts);
  if (flags & kBarr) w->PutVarint(s.barr);
  if (flags & kDistinct) {
    std::vector<uint64_t> hashes(s.distinct->begin(), s.distinct->end());
    std::sort(hashes.begin(), hashes.end());
    w->PutVarint(hashes.size());
    uint64_t prev = 0;
    for (uint64_t h : hashes) {
      w->PutVarint(h - prev);  // the first as is, then strictly positive gaps
      prev = h;
    }
  }
}

bool ReadState(StateReader* r, AggState* s) {
  const uint64_t flags = r->Varint();
  if (flags & ~static_cast<uint64_t>(kAllFields)) return r->Fail("has unknown accumulator fields");
  *s = AggState();
  if (flags & kN) s->n = r->Signed();
  if (flags & kIsum) s->isum = r->Signed();
  if (flags & kIsumHigh) s->isum += static_cast<__int128>(r->Signed()) * (__int128{1} << 64);
  if (flags & kDsum) s->dsum = r->Double();
  s->has = (flags & kHas) != 0;
  if (flags & kBi) s->bi = r->Signed();
  if (flags & kBd) s->bd = r->Double();
  if (flags & kBs) s->bs.assign(r->String());
  if (flags & kBts) s->bts = r->Signed();
  if (flags & kBarr) s->barr = r->Varint();
  if (flags & kDistinct) {
    const uint64_t count = r->Count(1);
    s->distinct = std::make_unique<absl::flat_hash_set<uint64_t>>();
    s->distinct->reserve(count);
    uint64_t h = 0;
    for (uint64_t i = 0; i < count && r->ok(); ++i) {
      const uint64_t delta = r->Varint();
      if (i > 0 && (delta == 0 || h + delta < h)) {
        return r->Fail("has count_distinct hashes out of order");
      }
      h += delta;
      s->distinct->insert(h);
    }
  }
  return r->ok();
}

// Fingerprint text as it may appear in an error message.
std::string Printable(std::string_view s) { return PrintableFingerprint(s, 200); }

}  // namespace

std::string PrintableFingerprint(std::string_view s, size_t max_chars) {
  std::string out;
  for (char c : s.substr(0, max_chars)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (s.size() > max_chars) out += "...";
  return out;
}

void PutAcc(StateWriter* w, const Acc& acc) { PutStates(w, acc.aggs.data(), acc.aggs.size()); }

void PutStates(StateWriter* w, const AggState* states, size_t n) {
  for (size_t i = 0; i < n; ++i) PutState(w, states[i]);
}

void PutStates(StateWriter* w, const SumState* states, size_t n) {
  AggState s;
  for (size_t i = 0; i < n; ++i) {
    s.n = states[i].n;
    s.isum = states[i].isum;
    s.dsum = states[i].dsum;
    PutState(w, s);
  }
}

bool ReadAcc(StateReader* r, size_t n_aggs, Acc* acc) {
  acc->aggs.resize(n_aggs);
  for (AggState& s : acc->aggs) {
    if (!ReadState(r, &s)) return false;
  }
  return true;
}

bool IsValidKey(std::string_view key, const std::vector<Type>& key_types) {
  size_t p = 0;
  for (Type t : key_types) {
    if (p >= key.size()) return false;
    const char tag = key[p++];
    if (tag == '\0') continue;
    if (tag != '\1') return false;
    size_t n = 8;
    if (t == Type::kString) {
      if (key.size() - p < 4) return false;
      uint32_t len;
      std::memcpy(&len, key.data() + p, 4);
      p += 4;
      n = len;
    }
    if (key.size() - p < n) return false;
    p += n;
  }
  return p == key.size();
}

std::string KeyedFingerprint(const KeyedStageDef& def, const Schema& input) {
  std::string out;
  if (def.kind == OpKind::kProcess) {
    out = fmt::format("process function={} params=", def.function);
    for (const auto& [k, v] : def.params) out += fmt::format("{}={};", k, v);
    if (def.process) {
      out += " output=" + def.process->output.ToString() + " states=";
      for (const StateDecl& s : def.process->states) {
        out += fmt::format("{}:{},", s.name, static_cast<int>(s.kind));
      }
    }
  } else if (def.kind == OpKind::kTopN) {
    out = fmt::format("top_n n={} rank={} ttl={} order=", def.top_n, def.rank_field, def.state_ttl);
    for (const auto& [c, desc] : def.order) out += fmt::format("#{}{},", c, desc ? "d" : "a");
    if (def.window_end_column >= 0) out += fmt::format(" window_end=#{}", def.window_end_column);
    if (def.with_ties) out += " with_ties";
  } else if (def.kind == OpKind::kDeduplicate) {
    out =
        fmt::format("deduplicate keep={} ttl={}", def.keep_last ? "last" : "first", def.state_ttl);
  } else if (def.kind == OpKind::kAggregate && def.rows > 0) {
    out = fmt::format("rows={} every={}", def.rows, def.every);
  } else if (def.kind == OpKind::kAggregate) {
    out = def.changelog ? "running changelog" : "running";
  } else if (def.window == WindowKind::kSession) {
    out = fmt::format("session gap={}", def.gap);
  } else {
    out = fmt::format("{} size={} slide={}",
                      def.window == WindowKind::kTumbling ? "tumbling" : "sliding", def.size,
                      def.slide);
  }
  if (def.kind == OpKind::kWindow) out += fmt::format(" lateness={}", def.allowed_lateness);
  out += " keys=";
  for (size_t i = 0; i < def.key_columns.size(); ++i) {
    const int k = def.key_columns[i];
    out += fmt::format("{}#{}:{}", i ? "," : "", k, TypeName(input.field(k)));
  }
  out += " aggs=";
  for (size_t i = 0; i < def.aggregates.size(); ++i) {
    const AggregateDef& a = def.aggregates[i];
    out += fmt::format("{}{}(", i ? "," : "", AggFuncName(a.func));
    if (a.input >= 0) out += fmt::format("#{}:{}", a.input, TypeName(input.field(a.input)));
    out += ")";
  }
  return out;
}

void PutKeyedPrologue(StateWriter* w, uint8_t tag, std::string_view fingerprint, uint64_t arrival,
                      uint64_t late) {
  w->PutHeader(tag, kKeyedSnapshotVersion);
  w->PutString(fingerprint);
  w->PutVarint(arrival);
  w->PutVarint(late);
}

bool ReadKeyedPrologue(StateReader* r, uint8_t tag, std::string_view fingerprint, uint64_t* arrival,
                       uint64_t* late) {
  uint32_t version = 0;
  if (!r->ReadHeader(tag, kKeyedSnapshotVersion, &version)) return false;
  const std::string_view got = r->String();
  if (r->ok() && got != fingerprint) {
    return r->Fail(
        fmt::format("was taken by a different operator definition: snapshot \"{}\", "
                    "operator \"{}\"",
                    Printable(got), Printable(fingerprint)));
  }
  *arrival = r->Varint();
  *late = r->Varint();
  return r->ok();
}

}  // namespace sluice
