#include "sluice/row_view.h"

#include "base/batch.h"

namespace sluice {

bool RowView::is_null(int i) const { return !batch_->columns[i].is_valid(row_); }
int64_t RowView::i64(int i) const { return batch_->columns[i].i64[row_]; }
double RowView::f64(int i) const {
  const Column& c = batch_->columns[i];
  return c.type == Type::kDouble ? c.f64[row_] : static_cast<double>(c.i64[row_]);
}
bool RowView::boolean(int i) const { return batch_->columns[i].i64[row_] != 0; }
std::string_view RowView::str(int i) const { return batch_->columns[i].str(row_); }
TimeUs RowView::event_time() const { return batch_->ts[row_]; }

}  // namespace sluice
