#include "runtime/definition.h"

#include <fmt/format.h>

#include <sstream>
#include <vector>

#include "operators/connector_types.h"
#include "operators/operator_types.h"

namespace sluice {
namespace {

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
    out += fmt::format("operator {}{}: {}\n", i + 1, Wiring(op.name, op.inputs),
                       OperatorTypeOf(op.kind).describe(op));
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
