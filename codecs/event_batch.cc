#include "codecs/event_batch.h"

#include <absl/container/flat_hash_map.h>
#include <flatbuffers/flexbuffers.h>
#include <fmt/format.h>

#include <cstring>

#include "base/time_util.h"
#include "codecs/record_codec.h"
#include "codecs/schema/event_batch_generated.h"

namespace sluice {
namespace {

using fb::RecordColumn;
using Offsets = flatbuffers::Vector<uint32_t>;

constexpr uint8_t kMaxStoredType = static_cast<uint8_t>(Type::kTimestamp);
constexpr uint8_t kMaxStoredUnit = static_cast<uint8_t>(TimeUnit::kIso);

fb::EventId ToFb(const EventId& id) { return fb::EventId(id.hi, id.lo); }
EventId FromFb(const fb::EventId& id) { return EventId{id.hi(), id.lo()}; }

// A dictionary of the distinct strings of one envelope field: the entries and, when there is more
// than one, the index of each event's entry.
struct Dictionary {
  std::vector<std::string_view> entries;
  std::vector<uint16_t> index;
  absl::flat_hash_map<std::string_view, uint16_t> ids;

  void Add(std::string_view s) {
    auto [it, added] = ids.try_emplace(s, static_cast<uint16_t>(entries.size()));
    if (added) entries.push_back(s);
    index.push_back(it->second);
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> Entries(
      flatbuffers::FlatBufferBuilder* fbb) const {
    std::vector<flatbuffers::Offset<flatbuffers::String>> s;
    s.reserve(entries.size());
    for (std::string_view e : entries) s.push_back(fbb->CreateString(e.data(), e.size()));
    return fbb->CreateVector(s);
  }
  flatbuffers::Offset<flatbuffers::Vector<uint16_t>> Index(flatbuffers::FlatBufferBuilder* fbb) {
    return entries.size() > 1 ? fbb->CreateVector(index) : 0;
  }
};

// Per-event ids, or 0 when every one is empty.
flatbuffers::Offset<flatbuffers::Vector<const fb::EventId*>> IdVector(
    std::span<const EnvelopeView> events, EventId EnvelopeView::*field,
    flatbuffers::FlatBufferBuilder* fbb) {
  bool any = false;
  for (const EnvelopeView& e : events) any |= !(e.*field).empty();
  if (!any) return 0;
  std::vector<fb::EventId> ids;
  ids.reserve(events.size());
  for (const EnvelopeView& e : events) ids.push_back(ToFb(e.*field));
  return fbb->CreateVectorOfStructs(ids);
}

template <typename T>
flatbuffers::Offset<flatbuffers::Vector<T>> Uninitialized(flatbuffers::FlatBufferBuilder* fbb,
                                                          size_t n, T** out) {
  return fbb->CreateUninitializedVector(n, out);
}

flatbuffers::Offset<RecordColumn> EncodeColumn(const Field& f, const Column& col, size_t begin,
                                               size_t end, flatbuffers::FlatBufferBuilder* fbb) {
  const size_t n = end - begin;
  flatbuffers::Offset<flatbuffers::Vector<uint8_t>> validity;
  if (col.has_nulls()) {
    bool nulls = false;
    for (size_t r = begin; r < end && !nulls; ++r) nulls = col.valid[r] == 0;
    if (nulls) {
      uint8_t* bits;
      validity = Uninitialized(fbb, (n + 7) / 8, &bits);
      std::memset(bits, 0, (n + 7) / 8);
      for (size_t i = 0; i < n; ++i) bits[i / 8] |= (col.valid[begin + i] != 0) << (i % 8);
    }
  }
  flatbuffers::Offset<flatbuffers::Vector<int64_t>> ints;
  flatbuffers::Offset<flatbuffers::Vector<double>> doubles;
  flatbuffers::Offset<flatbuffers::Vector<uint8_t>> bools, chars;
  flatbuffers::Offset<Offsets> offsets;
  switch (f.type) {
    case Type::kInt64:
    case Type::kTimestamp:
      ints = fbb->CreateVector(col.i64.data() + begin, n);
      break;
    case Type::kDouble:
      doubles = fbb->CreateVector(col.f64.data() + begin, n);
      break;
    case Type::kBool: {
      uint8_t* b;
      bools = Uninitialized(fbb, n, &b);
      for (size_t i = 0; i < n; ++i) b[i] = col.i64[begin + i] != 0;
      break;
    }
    case Type::kString: {
      const uint32_t base = col.offsets[begin];
      const uint32_t bytes = col.offsets[end] - base;
      chars = fbb->CreateVector(reinterpret_cast<const uint8_t*>(col.chars.data()) + base, bytes);
      uint32_t* o;
      offsets = Uninitialized(fbb, n + 1, &o);
      for (size_t i = 0; i <= n; ++i) o[i] = col.offsets[begin + i] - base;
      break;
    }
  }
  auto name = fbb->CreateString(f.name);
  fb::RecordColumnBuilder b(*fbb);
  b.add_name(name);
  b.add_type(static_cast<uint8_t>(f.type));
  b.add_unit(static_cast<uint8_t>(f.unit));
  if (!ints.IsNull()) b.add_ints(ints);
  if (!doubles.IsNull()) b.add_doubles(doubles);
  if (!bools.IsNull()) b.add_bools(bools);
  if (!offsets.IsNull()) b.add_offsets(offsets);
  if (!chars.IsNull()) b.add_chars(chars);
  if (!validity.IsNull()) b.add_validity(validity);
  return b.Finish();
}

// Offsets (n + 1 entries) that start at 0, never decrease and end within `bytes`.
bool OffsetsValid(const Offsets* o, size_t n, size_t bytes) {
  if (o == nullptr || o->size() != n + 1 || o->Get(0) != 0) return false;
  const uint32_t* p = o->data();
  for (size_t i = 0; i < n; ++i) {
    if (p[i + 1] < p[i]) return false;
  }
  return p[n] <= bytes;
}

template <typename V>
bool SizeIs(const V* v, size_t n) {
  return v != nullptr && v->size() == n;
}

// A dictionary and its optional index vector: at least one entry, and with more than one, an
// index per event, each in range.
bool DictionaryValid(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* dict,
                     const flatbuffers::Vector<uint16_t>* index, size_t n) {
  if (dict == nullptr || dict->size() == 0) return false;
  if (index == nullptr) return dict->size() == 1;
  if (index->size() != n) return false;
  for (uint16_t i : *index) {
    if (i >= dict->size()) return false;
  }
  return true;
}

std::string_view View(const flatbuffers::String* s) {
  return s ? std::string_view(s->c_str(), s->size()) : std::string_view();
}

std::string_view DictEntry(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* d,
                           const flatbuffers::Vector<uint16_t>* index, uint32_t i) {
  return View(d->Get(index ? index->Get(i) : 0));
}

// The FlatBuffers verifier checks a vector's length prefix for 4-byte alignment, not its
// elements for theirs: 8-byte elements are read in place only at 8-byte aligned addresses (the
// encoder always puts them there; the view's bytes start 8-byte aligned).
template <typename T>
bool ElementsAligned(const flatbuffers::Vector<T>* v) {
  return v == nullptr || reinterpret_cast<uintptr_t>(v->Data()) % alignof(T) == 0;
}

Status ColumnValid(const RecordColumn* c, size_t n) {
  if (c == nullptr || c->name() == nullptr || c->name()->size() == 0) {
    return Status::Corruption("event batch: a record column has no name");
  }
  auto bad = [&](std::string_view what) {
    return Status::Corruption(
        fmt::format("event batch: record column '{}': {}", c->name()->string_view(), what));
  };
  if (c->type() > kMaxStoredType) return bad(fmt::format("unknown type {}", c->type()));
  if (c->unit() > kMaxStoredUnit) return bad(fmt::format("unknown time unit {}", c->unit()));
  bool ok = false;
  switch (static_cast<Type>(c->type())) {
    case Type::kInt64:
    case Type::kTimestamp:
      ok = SizeIs(c->ints(), n);
      break;
    case Type::kDouble:
      ok = SizeIs(c->doubles(), n);
      break;
    case Type::kBool:
      ok = SizeIs(c->bools(), n);
      break;
    case Type::kString:
      ok = c->chars() != nullptr && OffsetsValid(c->offsets(), n, c->chars()->size());
      break;
  }
  if (!ok) return bad("values do not match the batch's event count");
  if (!ElementsAligned(c->ints()) || !ElementsAligned(c->doubles())) {
    return bad("values are not 8-byte aligned");
  }
  if (c->validity() != nullptr && c->validity()->size() != (n + 7) / 8) {
    return bad("validity bitmap of the wrong size");
  }
  return Status::OK();
}

bool IsSet(const flatbuffers::Vector<uint8_t>* validity, size_t r) {
  return validity == nullptr || ((validity->Get(static_cast<uint32_t>(r / 8)) >> (r % 8)) & 1);
}

// Whether a stored column of type `stored` can be read into a field of type `reader`.
bool Fits(Type reader, Type stored) {
  const bool stored_int = stored == Type::kInt64 || stored == Type::kTimestamp;
  switch (reader) {
    case Type::kInt64:
    case Type::kTimestamp:
      return stored_int;
    case Type::kDouble:
      return stored_int || stored == Type::kDouble;
    case Type::kBool:
      return stored == Type::kBool;
    case Type::kString:
      return stored == Type::kString;
  }
  return false;
}

// Appends n nulls to `col`.
void AppendNulls(Column* col, size_t n) {
  const size_t old = col->size();
  if (col->valid.empty()) col->valid.assign(old, 1);
  col->valid.resize(old + n, 0);
  switch (col->type) {
    case Type::kDouble:
      col->f64.resize(old + n, 0);
      break;
    case Type::kString:
      col->offsets.resize(old + n + 1, col->offsets.back());
      break;
    default:
      col->i64.resize(old + n, 0);
      break;
  }
}

// Sets the validity of the n rows just appended after `old`.
void AppendValidity(const flatbuffers::Vector<uint8_t>* validity, size_t begin, size_t n,
                    size_t old, Column* col) {
  if (validity == nullptr) {
    if (!col->valid.empty()) col->valid.resize(old + n, 1);
    return;
  }
  bool nulls = false;
  for (size_t i = 0; i < n && !nulls; ++i) nulls = !IsSet(validity, begin + i);
  if (!nulls) {
    if (!col->valid.empty()) col->valid.resize(old + n, 1);
    return;
  }
  if (col->valid.empty()) col->valid.assign(old, 1);
  col->valid.resize(old + n);
  for (size_t i = 0; i < n; ++i) col->valid[old + i] = IsSet(validity, begin + i);
}

void AppendColumn(const Field& f, const RecordColumn* c, size_t begin, size_t n, Column* col) {
  const size_t old = col->size();
  const Type stored = static_cast<Type>(c->type());
  const TimeUnit stored_unit = static_cast<TimeUnit>(c->unit());
  switch (f.type) {
    case Type::kInt64:
    case Type::kTimestamp: {
      col->i64.resize(old + n);
      int64_t* dst = col->i64.data() + old;
      std::memcpy(dst, c->ints()->data() + begin, n * sizeof(int64_t));
      // Stored and read as µs unless one side is a timestamp of another unit.
      const TimeUnit from = stored == Type::kTimestamp ? stored_unit : TimeUnit::kMicros;
      const TimeUnit to = f.type == Type::kTimestamp ? f.unit : TimeUnit::kMicros;
      if (MicrosPerUnit(from) != MicrosPerUnit(to)) {
        for (size_t i = 0; i < n; ++i) dst[i] = MicrosToRaw(RawToMicros(dst[i], from), to);
      }
      break;
    }
    case Type::kDouble: {
      col->f64.resize(old + n);
      double* dst = col->f64.data() + old;
      if (stored == Type::kDouble) {
        std::memcpy(dst, c->doubles()->data() + begin, n * sizeof(double));
      } else {
        const bool ts = stored == Type::kTimestamp;
        for (size_t i = 0; i < n; ++i) {
          int64_t v = c->ints()->Get(static_cast<uint32_t>(begin + i));
          dst[i] = static_cast<double>(ts ? RawToMicros(v, stored_unit) : v);
        }
      }
      break;
    }
    case Type::kBool: {
      col->i64.resize(old + n);
      const uint8_t* src = c->bools()->data() + begin;
      for (size_t i = 0; i < n; ++i) col->i64[old + i] = src[i] != 0;
      break;
    }
    case Type::kString: {
      const uint32_t* o = c->offsets()->data() + begin;
      const uint32_t base = o[0];
      const uint32_t chars_old = static_cast<uint32_t>(col->chars.size());
      col->chars.append(reinterpret_cast<const char*>(c->chars()->data()) + base, o[n] - base);
      col->offsets.resize(old + n + 1);
      uint32_t* dst = col->offsets.data() + old + 1;
      for (size_t i = 0; i < n; ++i) dst[i] = o[i + 1] - base + chars_old;
      break;
    }
  }
  AppendValidity(c->validity(), begin, n, old, col);
}

}  // namespace

namespace {

// The fields every batch has from its header.
void AddHeader(const EventBatchHeader& h, size_t n, flatbuffers::Offset<flatbuffers::String> stream,
               fb::EventBatchBuilder* b) {
  b->add_first_position(h.first_position);
  b->add_count(static_cast<uint32_t>(n));
  b->add_append_time_us(h.append_time_us);
  b->add_stream_id(stream);
  b->add_first_version(h.first_version);
}

}  // namespace

void EncodeEventBatch(const EventBatchHeader& h, std::span<const EnvelopeView> events,
                      flatbuffers::FlatBufferBuilder* fbb) {
  fbb->Clear();
  const size_t n = events.size();
  Dictionary types, content_types;
  bool one_schema_version = true;
  size_t payload_bytes = 0;
  for (const EnvelopeView& e : events) {
    types.Add(e.event_type);
    content_types.Add(e.content_type);
    one_schema_version &= e.schema_version == events[0].schema_version;
    payload_bytes += e.payload.size();
  }
  auto stream = fbb->CreateString(h.stream_id.data(), h.stream_id.size());
  auto type_entries = types.Entries(fbb);
  auto type_index = types.Index(fbb);
  auto ct_entries = content_types.Entries(fbb);
  auto ct_index = content_types.Index(fbb);
  uint32_t* sv;
  auto schema_versions = Uninitialized(fbb, one_schema_version ? 1 : n, &sv);
  for (size_t i = 0; i < (one_schema_version ? 1 : n); ++i) sv[i] = events[i].schema_version;
  int64_t* et;
  auto event_times = Uninitialized(fbb, n, &et);
  for (size_t i = 0; i < n; ++i) et[i] = events[i].event_time_us;
  auto ids = IdVector(events, &EnvelopeView::event_id, fbb);
  auto correlation = IdVector(events, &EnvelopeView::correlation_id, fbb);
  auto causation = IdVector(events, &EnvelopeView::causation_id, fbb);
  // Each pointer from Uninitialized is filled before the next allocation, which may move it.
  uint8_t* bytes;
  auto payloads = Uninitialized(fbb, payload_bytes, &bytes);
  for (const EnvelopeView& e : events) {
    if (!e.payload.empty()) std::memcpy(bytes, e.payload.data(), e.payload.size());
    bytes += e.payload.size();
  }
  uint32_t* po;
  auto payload_offsets = Uninitialized(fbb, n + 1, &po);
  uint32_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    po[i] = at;
    at += static_cast<uint32_t>(events[i].payload.size());
  }
  po[n] = at;

  fb::EventBatchBuilder b(*fbb);
  AddHeader(h, n, stream, &b);
  b.add_types(type_entries);
  if (!type_index.IsNull()) b.add_type_index(type_index);
  b.add_content_types(ct_entries);
  if (!ct_index.IsNull()) b.add_content_type_index(ct_index);
  b.add_schema_versions(schema_versions);
  b.add_event_times(event_times);
  fb::EventId base = ToFb(h.id_base);
  b.add_id_base(&base);
  if (!ids.IsNull()) b.add_ids(ids);
  if (!correlation.IsNull()) b.add_correlation_ids(correlation);
  if (!causation.IsNull()) b.add_causation_ids(causation);
  b.add_payload_offsets(payload_offsets);
  b.add_payload_bytes(payloads);
  fb::FinishEventBatchBuffer(*fbb, b.Finish());
}

namespace {

// The first int64 or timestamp column whose every value in the rows is set and, in µs, equals the
// row's event time; -1 when none does.
int EventTimeColumn(const RecordRows& rows) {
  const Schema& schema = *rows.schema;
  const TimeUs* ts = rows.rows->ts.data();
  for (size_t c = 0; c < schema.size() && c <= INT16_MAX; ++c) {
    const Field& f = schema.field(c);
    if (f.type != Type::kInt64 && f.type != Type::kTimestamp) continue;
    const Column& col = rows.rows->columns[c];
    const TimeUnit unit = f.type == Type::kTimestamp ? f.unit : TimeUnit::kMicros;
    size_t r = rows.begin;
    while (r < rows.end && col.is_valid(r) && RawToMicros(col.i64[r], unit) == ts[r]) ++r;
    if (r == rows.end) return static_cast<int>(c);
  }
  return -1;
}

}  // namespace

void EncodeRecordBatch(const EventBatchHeader& h, const RecordRows& rows,
                       flatbuffers::FlatBufferBuilder* fbb) {
  fbb->Clear();
  const size_t n = rows.end - rows.begin;
  const Schema& schema = *rows.schema;
  std::vector<flatbuffers::Offset<RecordColumn>> cols;
  cols.reserve(schema.size());
  for (size_t c = 0; c < schema.size(); ++c) {
    cols.push_back(EncodeColumn(schema.field(c), rows.rows->columns[c], rows.begin, rows.end, fbb));
  }
  auto columns = fbb->CreateVector(cols);
  auto stream = fbb->CreateString(h.stream_id.data(), h.stream_id.size());
  auto type = fbb->CreateString(rows.event_type.data(), rows.event_type.size());
  auto types = fbb->CreateVector(&type, 1);
  auto ct = fbb->CreateString(kRecordContentType.data(), kRecordContentType.size());
  auto content_types = fbb->CreateVector(&ct, 1);
  auto schema_versions = fbb->CreateVector(&rows.schema_version, 1);
  // Event times are usually a column already (the pipeline's event-time field): point to it.
  const int time_column = EventTimeColumn(rows);
  flatbuffers::Offset<flatbuffers::Vector<int64_t>> event_times;
  if (time_column < 0) event_times = fbb->CreateVector(rows.rows->ts.data() + rows.begin, n);

  fb::EventBatchBuilder b(*fbb);
  AddHeader(h, n, stream, &b);
  b.add_types(types);
  b.add_content_types(content_types);
  b.add_schema_versions(schema_versions);
  if (time_column < 0) {
    b.add_event_times(event_times);
  } else {
    b.add_event_time_column(static_cast<int16_t>(time_column));
  }
  fb::EventId base = ToFb(h.id_base);
  b.add_id_base(&base);
  b.add_columns(columns);
  fb::EventId first = ToFb(rows.first_id);
  if (!rows.first_id.empty()) b.add_first_chosen_id(&first);
  fb::FinishEventBatchBuffer(*fbb, b.Finish());
}

Status EventBatchView::Parse(const char* data, size_t n) {
  batch_ = nullptr;
  columns_ = nullptr;
  count_ = 0;
  // FlatBuffers reads scalars in place, so misaligned bytes are read in an aligned copy (log
  // records of large batches start 8-byte aligned in LMDB's overflow pages; small ones may not).
  if (n < 8) return Status::Corruption("not an event batch (shorter than a header)");
  const char* base = data;
  if (reinterpret_cast<uintptr_t>(data) % sizeof(uint64_t) != 0) {
    aligned_.resize((n + sizeof(uint64_t) - 1) / sizeof(uint64_t));
    std::memcpy(aligned_.data(), data, n);
    base = reinterpret_cast<const char*>(aligned_.data());
  }
  const auto* buf = reinterpret_cast<const uint8_t*>(base);
  if (!fb::EventBatchBufferHasIdentifier(buf)) {
    return Status::Corruption("not an event batch (bad file identifier)");
  }
  flatbuffers::Verifier verifier(buf, n);
  if (!fb::VerifyEventBatchBuffer(verifier)) {
    return Status::Corruption("event batch fails FlatBuffers verification");
  }
  const fb::EventBatch* b = fb::GetEventBatch(buf);
  const size_t count = b->count();
  auto bad = [](std::string_view what) {
    return Status::Corruption(fmt::format("event batch: {}", what));
  };
  if (count == 0) return bad("no events");
  if (b->first_position() == 0 || b->first_version() == 0) return bad("position or version 0");
  if (b->first_position() > UINT64_MAX - count || b->first_version() > UINT64_MAX - count) {
    return bad("positions overflow");
  }
  if (b->stream_id() == nullptr || b->stream_id()->size() == 0) return bad("no stream id");
  if (!DictionaryValid(b->types(), b->type_index(), count)) return bad("bad event type dictionary");
  if (!DictionaryValid(b->content_types(), b->content_type_index(), count)) {
    return bad("bad content type dictionary");
  }
  const auto* sv = b->schema_versions();
  if (sv == nullptr || (sv->size() != 1 && sv->size() != count)) {
    return bad("schema versions do not match the event count");
  }
  const int time_column = b->event_time_column();
  if (time_column < 0) {
    if (time_column != -1 || !SizeIs(b->event_times(), count)) {
      return bad("event times do not match the event count");
    }
  } else if (b->event_times() != nullptr) {
    return bad("event times given twice");
  }
  if (b->id_base() == nullptr) return bad("no id base");
  for (const auto* ids : {b->ids(), b->correlation_ids(), b->causation_ids()}) {
    if (ids != nullptr && ids->size() != count) return bad("ids do not match the event count");
  }
  if (b->ids() != nullptr && b->first_chosen_id() != nullptr) return bad("ids given twice");
  if (!ElementsAligned(b->event_times()) || !ElementsAligned(b->ids()) ||
      !ElementsAligned(b->correlation_ids()) || !ElementsAligned(b->causation_ids())) {
    return bad("a vector of 8-byte values is not 8-byte aligned");
  }
  if (b->columns() != nullptr) {
    if (b->payload_offsets() != nullptr || b->payload_bytes() != nullptr) {
      return bad("both record columns and opaque payloads");
    }
    if (b->content_types()->size() != 1 || View(b->content_types()->Get(0)) != kRecordContentType) {
      return bad("record columns with a content type other than a record");
    }
    for (const RecordColumn* c : *b->columns()) SLUICE_RETURN_IF_ERROR(ColumnValid(c, count));
    columns_ = b->columns();
    if (time_column >= 0) {
      if (static_cast<size_t>(time_column) >= columns_->size()) {
        return bad("the event-time column is out of range");
      }
      const RecordColumn* c = columns_->Get(time_column);
      const Type type = static_cast<Type>(c->type());
      if ((type != Type::kInt64 && type != Type::kTimestamp) || c->validity() != nullptr) {
        return bad("the event-time column is not a column of set int64 or timestamp values");
      }
      time_ints_ = c->ints()->data();
      time_unit_ = type == Type::kTimestamp ? static_cast<TimeUnit>(c->unit()) : TimeUnit::kMicros;
    }
  } else if (b->payload_bytes() == nullptr ||
             !OffsetsValid(b->payload_offsets(), count, b->payload_bytes()->size())) {
    return bad("payload offsets do not match the payload bytes");
  } else if (time_column >= 0) {
    return bad("an event-time column without record columns");
  }
  if (time_column < 0) {
    time_ints_ = b->event_times()->data();
    time_unit_ = TimeUnit::kMicros;
  }
  batch_ = b;
  count_ = static_cast<uint32_t>(count);
  first_position_ = b->first_position();
  first_version_ = b->first_version();
  append_time_us_ = b->append_time_us();
  // Views handed out point into the caller's bytes when those were read in place.
  stream_id_ = View(b->stream_id());
  return Status::OK();
}

std::string_view EventBatchView::event_type(uint32_t i) const {
  return DictEntry(batch_->types(), batch_->type_index(), i);
}

std::string_view EventBatchView::content_type(uint32_t i) const {
  return DictEntry(batch_->content_types(), batch_->content_type_index(), i);
}

uint32_t EventBatchView::schema_version(uint32_t i) const {
  const auto* sv = batch_->schema_versions();
  return sv->Get(sv->size() == 1 ? 0 : i);
}

TimeUs EventBatchView::event_time_us(uint32_t i) const {
  const int64_t v = flatbuffers::ReadScalar<int64_t>(time_ints_ + i);
  return time_unit_ == TimeUnit::kMicros ? v : RawToMicros(v, time_unit_);
}

bool EventBatchView::has_chosen_id(uint32_t i) const {
  if (batch_->first_chosen_id() != nullptr) return true;
  if (batch_->ids() == nullptr) return false;
  const fb::EventId* id = batch_->ids()->Get(i);
  return id->hi() != 0 || id->lo() != 0;
}

EventId EventBatchView::event_id(uint32_t i) const {
  if (const fb::EventId* first = batch_->first_chosen_id()) {
    return EventId{first->hi(), first->lo() + i};
  }
  if (has_chosen_id(i)) return FromFb(*batch_->ids()->Get(i));
  const fb::EventId* base = batch_->id_base();
  return EventId{base->hi(), base->lo() + i};
}

const RecordColumn* EventBatchView::FindColumn(std::string_view name) const {
  for (const RecordColumn* c : *columns_) {
    if (c->name()->string_view() == name) return c;
  }
  return nullptr;
}

void EventBatchView::Event(uint32_t i, EnvelopeView* out, std::string* scratch) const {
  auto id = [&](const flatbuffers::Vector<const fb::EventId*>* ids) {
    return ids ? FromFb(*ids->Get(i)) : EventId{};
  };
  out->event_id = event_id(i);
  out->stream_id = stream_id_;
  out->stream_version = first_version_ + i;
  out->global_position = first_position_ + i;
  out->event_type = event_type(i);
  out->schema_version = schema_version(i);
  out->event_time_us = event_time_us(i);
  out->append_time_us = append_time_us_;
  out->correlation_id = id(batch_->correlation_ids());
  out->causation_id = id(batch_->causation_ids());
  out->content_type = content_type(i);
  if (columns_ == nullptr) {
    const uint32_t* o = batch_->payload_offsets()->data();
    out->payload = std::string_view(
        reinterpret_cast<const char*>(batch_->payload_bytes()->data()) + o[i], o[i + 1] - o[i]);
    return;
  }
  // The row as a record payload, as RecordEncoder writes it.
  thread_local flexbuffers::Builder fbb(512, flexbuffers::BUILDER_FLAG_NONE);
  fbb.Clear();
  const size_t start = fbb.StartMap();
  for (const RecordColumn* c : *columns_) {
    fbb.Key(c->name()->c_str(), c->name()->size());
    if (!IsSet(c->validity(), i)) {
      fbb.Null();
      continue;
    }
    switch (static_cast<Type>(c->type())) {
      case Type::kInt64:
        fbb.Int(c->ints()->Get(i));
        break;
      case Type::kTimestamp:
        fbb.Int(RawToMicros(c->ints()->Get(i), static_cast<TimeUnit>(c->unit())));
        break;
      case Type::kDouble:
        fbb.Double(c->doubles()->Get(i));
        break;
      case Type::kBool:
        fbb.Bool(c->bools()->Get(i) != 0);
        break;
      case Type::kString: {
        const uint32_t* o = c->offsets()->data();
        AddFlexString(&fbb,
                      std::string_view(reinterpret_cast<const char*>(c->chars()->data()) + o[i],
                                       o[i + 1] - o[i]));
        break;
      }
    }
  }
  fbb.EndMap(start);
  fbb.Finish();
  const std::vector<uint8_t>& bytes = fbb.GetBuffer();
  scratch->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  out->payload = *scratch;
}

Status EventBatchView::AppendRecords(const Schema& reader, uint32_t begin, uint32_t end,
                                     Batch* out) const {
  const size_t n = end - begin;
  thread_local std::vector<const RecordColumn*> found;
  found.assign(reader.size(), nullptr);
  for (size_t f = 0; f < reader.size(); ++f) {
    const Field& field = reader.field(f);
    const RecordColumn* c = FindColumn(field.name);
    if (c == nullptr) continue;
    const Type stored = static_cast<Type>(c->type());
    if (!Fits(field.type, stored)) {
      return Status::InvalidArgument(fmt::format(
          "field '{}': expected {}, found {}", field.name, TypeName(field),
          TypeName(Field{std::string(field.name), stored, static_cast<TimeUnit>(c->unit())})));
    }
    found[f] = c;
  }
  for (size_t f = 0; f < reader.size(); ++f) {
    if (found[f] == nullptr) {
      AppendNulls(&out->columns[f], n);
    } else {
      AppendColumn(reader.field(f), found[f], begin, n, &out->columns[f]);
    }
  }
  return Status::OK();
}

}  // namespace sluice
