// RowView: read access to one row of a batch, for C++ lambdas in pipelines.
//
// Cheap to copy; valid only during the call it is passed to. Field access by name looks the name up
// in the schema on every call; resolve it once with index() and use the int overloads in hot code.
// The batch it reads is the engine's own (base/batch.h); this header does not expose it.
#pragma once

#include <string_view>

#include "base/types.h"

namespace sluice {

struct Batch;

class RowView {
 public:
  RowView(const Batch& batch, const Schema& schema, size_t row)
      : batch_(&batch), schema_(&schema), row_(row) {}

  int index(std::string_view field) const { return schema_->IndexOf(field); }
  bool is_null(int i) const;
  int64_t i64(int i) const;  // int64, timestamp (raw value in its unit) and bool fields
  double f64(int i) const;   // double fields; other numbers converted
  bool boolean(int i) const;
  std::string_view str(int i) const;

  // By name. REQUIRES: the field exists (checked by assert only).
  int64_t i64(std::string_view f) const { return i64(index(f)); }
  double f64(std::string_view f) const { return f64(index(f)); }
  bool boolean(std::string_view f) const { return boolean(index(f)); }
  std::string_view str(std::string_view f) const { return str(index(f)); }
  bool is_null(std::string_view f) const { return is_null(index(f)); }

  TimeUs event_time() const;
  const Schema& schema() const { return *schema_; }
  size_t row() const { return row_; }

 private:
  const Batch* batch_;
  const Schema* schema_;
  size_t row_;
};

}  // namespace sluice
