// RowView: read access to one row of a batch, for C++ lambdas in pipelines.
//
// Cheap to copy; valid only during the call it is passed to. Field access by name looks the name up
// in the schema on every call; resolve it once with index() and use the int overloads in hot code.
#pragma once

#include <string_view>

#include "engine/batch.h"

namespace sluice {

class RowView {
 public:
  RowView(const Batch& batch, const Schema& schema, size_t row)
      : batch_(&batch), schema_(&schema), row_(row) {}

  int index(std::string_view field) const { return schema_->IndexOf(field); }
  bool is_null(int i) const { return !batch_->columns[i].is_valid(row_); }
  int64_t i64(int i) const { return batch_->columns[i].i64[row_]; }
  double f64(int i) const {
    const Column& c = batch_->columns[i];
    return c.type == Type::kDouble ? c.f64[row_] : static_cast<double>(c.i64[row_]);
  }
  bool boolean(int i) const { return batch_->columns[i].i64[row_] != 0; }
  std::string_view str(int i) const { return batch_->columns[i].str(row_); }

  // By name. REQUIRES: the field exists (checked by assert only).
  int64_t i64(std::string_view f) const { return i64(index(f)); }
  double f64(std::string_view f) const { return f64(index(f)); }
  bool boolean(std::string_view f) const { return boolean(index(f)); }
  std::string_view str(std::string_view f) const { return str(index(f)); }
  bool is_null(std::string_view f) const { return is_null(index(f)); }

  TimeUs event_time() const { return batch_->ts[row_]; }
  const Schema& schema() const { return *schema_; }
  size_t row() const { return row_; }

 private:
  const Batch* batch_;
  const Schema* schema_;
  size_t row_;
};

}  // namespace sluice
