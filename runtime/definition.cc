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

// A source's settings, after "source: " (the first source) or "source N: ".
std::string DescribeSource(const SourceSpec& src) {
  std::string line =
      fmt::format("{} path={} schema={} event_time={} max_out_of_orderness={}us", src.type,
                  src.path, src.schema.ToString(), src.event_time, src.max_out_of_orderness);
  if (const SourceType* t = FindSourceType(src.type)) line += t->describe(src);
  if (src.idle_timeout != 0) line += fmt::format(" idle_timeout={}us", src.idle_timeout);
  return line;
}

// " name=big inputs=a,b" for what a graph item says about its place, or "" (the lines of
// pipelines without names or inputs are as they were before graphs).
std::string Wiring(const std::string& name, const std::vector<std::string>& inputs) {
  std::string out;
  if (!name.empty()) out += " name=" + name;
  if (!inputs.empty()) out += fmt::format(" inputs={}", fmt::join(inputs, ","));
  return out;
}

const char* WindowKindName(WindowKind kind) {
  return kind == WindowKind::kTumbling  ? "tumbling"
         : kind == WindowKind::kSliding ? "sliding"
                                        : "session";
}

const char* JoinTypeName(JoinType type) {
  return type == JoinType::kInner   ? "inner"
         : type == JoinType::kLeft  ? "left"
         : type == JoinType::kRight ? "right"
                                    : "full";
}

std::string DescribeJoinKeys(const OperatorSpec& op) {
  return fmt::format(" left_key={} right_key={} left_prefix={} right_prefix={}",
                     fmt::join(op.left_key, ","), fmt::join(op.right_key, ","), op.left_prefix,
                     op.right_prefix);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

// Graphs add to the lines only what they declare, so that the text of a pipeline without
// names, inputs or further sources is the one it always was (checkpoints compare it):
//   source name=bids: csv path=bids.csv ... idle_timeout=5000000us
//   source 2 name=auctions: csv path=auctions.csv ...
//   operator 3 name=j inputs=bids,auctions: interval_join left lower=-5000000us upper=0us
//       left_key=auction right_key=id left_prefix=b_ right_prefix=
//   operator 4 inputs=a,b: union
//   sink 2 input=big: csv path=big.csv
std::string DescribeDefinition(const PipelineSpec& spec, uint32_t lanes) {
  std::string out;
  out += fmt::format("source{}: {}\n", Wiring(spec.source.name, {}), DescribeSource(spec.source));
  for (size_t i = 0; i < spec.more_sources.size(); ++i) {
    const SourceSpec& src = spec.more_sources[i];
    out += fmt::format("source {}{}: {}\n", i + 2, Wiring(src.name, {}), DescribeSource(src));
  }
  for (size_t i = 0; i < spec.operators.size(); ++i) {
    const OperatorSpec& op = spec.operators[i];
    out += fmt::format("operator {}{}: ", i + 1, Wiring(op.name, op.inputs));
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
          out += fmt::format("window {} size={}us slide={}us gap={}us allowed_lateness={}us",
                             WindowKindName(op.window), op.size, op.slide, op.gap,
                             op.allowed_lateness);
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
      case OpKind::kUnion:
        out += "union";
        break;
      case OpKind::kWindowJoin:
        out += fmt::format("window_join {} size={}us slide={}us gap={}us",
                           WindowKindName(op.window), op.size, op.slide, op.gap) +
               DescribeJoinKeys(op);
        break;
      case OpKind::kIntervalJoin:
        out += fmt::format("interval_join {} lower={}us upper={}us", JoinTypeName(op.join_type),
                           op.lower, op.upper) +
               DescribeJoinKeys(op);
        break;
    }
    out += "\n";
  }
  out += fmt::format("sink 1{}: {}\n", spec.sink.input.empty() ? "" : " input=" + spec.sink.input,
                     DescribeSink(spec.sink));
  for (size_t i = 0; i < spec.more_sinks.size(); ++i) {
    const SinkSpec& s = spec.more_sinks[i];
    out += fmt::format("sink {}{}: {}\n", i + 2, s.input.empty() ? "" : " input=" + s.input,
                       DescribeSink(s));
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
