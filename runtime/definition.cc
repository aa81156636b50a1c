#include "runtime/definition.h"

#include <fmt/format.h>

#include <sstream>
#include <vector>

#include "operators/connector_types.h"

namespace sluice {
namespace {

std::string Expr(const std::string& text, bool has_fn) {
  return has_fn && text.empty() ? "<function>" : text;
}

std::string DescribeSink(const SinkSpec& s) {
  std::string line = fmt::format("{} path={}", s.type, s.path);
  if (!s.format.empty()) line += " format=" + s.format;
  if (const SinkType* t = FindSinkType(s.type)) line += t->describe(s);
  return line;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

std::string DescribeDefinition(const PipelineSpec& spec, uint32_t lanes) {
  std::string out;
  const SourceSpec& src = spec.source;
  out +=
      fmt::format("source: {} path={} schema={} event_time={} max_out_of_orderness={}us", src.type,
                  src.path, src.schema.ToString(), src.event_time, src.max_out_of_orderness);
  if (const SourceType* t = FindSourceType(src.type)) out += t->describe(src);
  out += "\n";
  for (size_t i = 0; i < spec.operators.size(); ++i) {
    const OperatorSpec& op = spec.operators[i];
    out += fmt::format("operator {}: ", i + 1);
    switch (op.kind) {
      case OpKind::kFilter:
        out += "filter where=" + Expr(op.where, static_cast<bool>(op.predicate));
        break;
      case OpKind::kMap: {
        out += "map";
        for (const Assignment& a : op.set) {
          out += fmt::format(" {}={}", a.field, Expr(a.expr, a.fn.valid()));
        }
        if (!op.keep.empty()) out += fmt::format(" keep={}", fmt::join(op.keep, ","));
        break;
      }
      case OpKind::kKeyBy:
        out += fmt::format("key_by {}", fmt::join(op.fields, ","));
        break;
      case OpKind::kWindow:
      case OpKind::kAggregate: {
        if (op.kind == OpKind::kWindow) {
          const char* kind = op.window == WindowKind::kTumbling  ? "tumbling"
                             : op.window == WindowKind::kSliding ? "sliding"
                                                                 : "session";
          out += fmt::format("window {} size={}us slide={}us gap={}us allowed_lateness={}us", kind,
                             op.size, op.slide, op.gap, op.allowed_lateness);
        } else {
          out += "aggregate";
        }
        for (const AggregateSpec& a : op.aggregates) {
          // Files give the aggregate as text; the C++ builder may give its parts instead.
          if (!a.text.empty() && a.func.empty()) {
            out += fmt::format(" [{}]", a.text);
          } else {
            out += fmt::format(" [{}({}) as {}]", a.func, Expr(a.arg, a.arg_fn.valid()), a.alias);
          }
        }
        break;
      }
    }
    out += "\n";
  }
  out += fmt::format("sink 1: {}\n", DescribeSink(spec.sink));
  for (size_t i = 0; i < spec.more_sinks.size(); ++i) {
    out += fmt::format("sink {}: {}\n", i + 2, DescribeSink(spec.more_sinks[i]));
  }
  out += fmt::format("dead_letter_path: {}\n", spec.dead_letter_path);
  out += fmt::format("late_path: {}\n", spec.late_path);
  out += fmt::format("lanes: {}\n", lanes);
  return out;
}

std::string DefinitionChange(const std::string& was, const std::string& now) {
  if (was == now) return "";
  const std::vector<std::string> a = Lines(was), b = Lines(now);
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "(nothing)";
    const std::string y = i < b.size() ? b[i] : "(nothing)";
    if (x != y) return fmt::format("was `{}`, now `{}`", x, y);
  }
  return "the definitions differ";
}

}  // namespace sluice
