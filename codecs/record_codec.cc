#include "codecs/record_codec.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

#include "base/time_util.h"
#include "codecs/json.h"

namespace sluice {
namespace {

// FlexBuffers reads scalars of up to 8 bytes in place, each at an offset from the buffer's start
// that is a multiple of its width (the builder aligns them so).
constexpr size_t kPayloadAlign = 8;

// Verifies `payload` as a record and sets *map to its root map, read from *scratch when the
// payload is not aligned: payloads sit at 4-byte-aligned offsets inside envelopes, which sit at
// unaligned addresses in LMDB (see DecodeEnvelope). The map is valid while payload and *scratch
// are unchanged.
bool VerifyMap(std::string_view payload, std::vector<uint64_t>* scratch, flexbuffers::Map* map) {
  const size_t n = payload.size();
  if (n < 3) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(payload.data());
  if (reinterpret_cast<uintptr_t>(p) % kPayloadAlign != 0) {
    scratch->resize((n + sizeof(uint64_t) - 1) / sizeof(uint64_t));
    std::memcpy(scratch->data(), p, n);
    p = reinterpret_cast<const uint8_t*>(scratch->data());
  }
  // The verifier checks the alignment of every offset it follows, but reads the root value (the
  // last bytes but two) without checking its alignment, so that is checked first.
  const size_t root_width = p[n - 1];
  if (root_width != 1 && root_width != 2 && root_width != 4 && root_width != 8) return false;
  if (n - 2 < root_width || (n - 2 - root_width) % root_width != 0) return false;
  flexbuffers::Verifier v(p, n, nullptr, /*_check_alignment=*/true);
  if (!v.VerifyBuffer()) return false;
  flexbuffers::Reference root = flexbuffers::GetRoot(p, n);
  if (!root.IsMap()) return false;
  *map = root.AsMap();
  // The verifier of FlexBuffers 2.0.8 accepts a key whose first byte is not NUL without looking
  // for its terminator, and keys are read as C strings (lookups compare them with strcmp), so
  // every key must end inside the buffer.
  const flexbuffers::TypedVector keys = map->Keys();
  const uint8_t* end = p + n;
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto* key = reinterpret_cast<const uint8_t*>(keys[i].AsKey());
    if (key < p || key >= end || std::memchr(key, 0, static_cast<size_t>(end - key)) == nullptr) {
      return false;
    }
  }
  return true;
}

const char* FlexTypeName(const flexbuffers::Reference& r) {
  if (r.IsNull()) return "null";
  if (r.IsBool()) return "bool";
  if (r.IsIntOrUint()) return "int";
  if (r.IsFloat()) return "double";
  if (r.IsString()) return "string";
  return "other";
}

}  // namespace

void AddFlexString(flexbuffers::Builder* fbb, std::string_view s) {
  thread_local std::string terminated;
  terminated.assign(s);
  fbb->String(terminated.c_str(), terminated.size());
}

RecordEncoder::RecordEncoder(const Schema& schema)
    : schema_(schema), fbb_(512, flexbuffers::BUILDER_FLAG_NONE) {}

std::string_view RecordEncoder::Encode(const Batch& batch, size_t r) {
  fbb_.Clear();
  size_t start = fbb_.StartMap();
  for (size_t c = 0; c < schema_.size(); ++c) {
    const Field& f = schema_.field(c);
    const Column& col = batch.columns[c];
    fbb_.Key(f.name.c_str(), f.name.size());
    if (!col.is_valid(r)) {
      fbb_.Null();
      continue;
    }
    switch (f.type) {
      case Type::kInt64:
        fbb_.Int(col.i64[r]);
        break;
      case Type::kDouble:
        fbb_.Double(col.f64[r]);
        break;
      case Type::kBool:
        fbb_.Bool(col.i64[r] != 0);
        break;
      case Type::kString: {
        std::string_view s = col.str(r);
        AddFlexString(&fbb_, s);
        break;
      }
      case Type::kTimestamp:
        fbb_.Int(RawToMicros(col.i64[r], f.unit));
        break;
    }
  }
  fbb_.EndMap(start);
  fbb_.Finish();
  const std::vector<uint8_t>& buf = fbb_.GetBuffer();
  return std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size());
}

RecordDecoder::RecordDecoder(const Schema& schema) : schema_(schema), refs_(schema.size()) {}

Status RecordDecoder::DecodeInto(std::string_view payload, Batch* batch) {
  flexbuffers::Map map = flexbuffers::Map::EmptyMap();
  if (!VerifyMap(payload, &scratch_, &map)) return Status::Corruption("payload is not a record");
  // Pass 1: look every field up and check its type, so that a mismatch appends nothing.
  for (size_t c = 0; c < schema_.size(); ++c) {
    const Field& f = schema_.field(c);
    flexbuffers::Reference v = map[f.name.c_str()];
    refs_[c] = v;
    if (v.IsNull()) continue;
    bool fits = false;
    switch (f.type) {
      case Type::kInt64:
      case Type::kTimestamp:
        fits = v.IsIntOrUint();
        break;
      case Type::kDouble:
        fits = v.IsFloat() || v.IsIntOrUint();
        break;
      case Type::kBool:
        fits = v.IsBool();
        break;
      case Type::kString:
        fits = v.IsString();
        break;
    }
    if (!fits) {
      return Status::InvalidArgument(
          fmt::format("field '{}': expected {}, found {}", f.name, TypeName(f), FlexTypeName(v)));
    }
  }
  // Pass 2: append.
  for (size_t c = 0; c < schema_.size(); ++c) {
    const Field& f = schema_.field(c);
    const flexbuffers::Reference& v = refs_[c];
    Column& col = batch->columns[c];
    if (v.IsNull()) {
      col.push_null();
      continue;
    }
    switch (f.type) {
      case Type::kInt64:
        col.push_int(v.AsInt64());
        break;
      case Type::kTimestamp:
        col.push_int(MicrosToRaw(v.AsInt64(), f.unit));
        break;
      case Type::kDouble:
        col.push_double(v.AsDouble());
        break;
      case Type::kBool:
        col.push_int(v.AsBool() ? 1 : 0);
        break;
      case Type::kString: {
        flexbuffers::String s = v.AsString();
        col.push_string(std::string_view(s.c_str(), s.length()));
        break;
      }
    }
  }
  return Status::OK();
}

Status RecordToJson(std::string_view payload, std::string* out) {
  thread_local std::vector<uint64_t> scratch;
  flexbuffers::Map map = flexbuffers::Map::EmptyMap();
  if (!VerifyMap(payload, &scratch, &map)) return Status::Corruption("payload is not a record");
  flexbuffers::TypedVector keys = map.Keys();
  flexbuffers::Vector values = map.Values();
  out->push_back('{');
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out->push_back(',');
    flexbuffers::Reference k = keys[i];
    AppendJsonString(std::string_view(k.AsKey()), out);
    out->push_back(':');
    flexbuffers::Reference v = values[i];
    if (v.IsNull()) {
      out->append("null");
    } else if (v.IsBool()) {
      out->append(v.AsBool() ? "true" : "false");
    } else if (v.IsIntOrUint()) {
      AppendInt64(v.AsInt64(), out);
    } else if (v.IsFloat()) {
      AppendJsonDouble(v.AsDouble(), out);
    } else if (v.IsString()) {
      flexbuffers::String s = v.AsString();
      AppendJsonString(std::string_view(s.c_str(), s.length()), out);
    } else {
      out->append("null");
    }
  }
  out->push_back('}');
  return Status::OK();
}

}  // namespace sluice
