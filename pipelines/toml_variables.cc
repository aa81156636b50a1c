#include "pipelines/toml_variables.h"

#include <fmt/format.h>

#include <string>

namespace sluice {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Substitutes the references in one string value; `node` is the value, for positions.
Status SubstituteString(const TomlReader& reader, const PipelineVariables& vars,
                        const toml::node& node, std::string* value) {
  const std::string& in = *value;
  if (in.find('$') == std::string::npos) return Status::OK();
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const size_t dollar = in.find('$', i);
    if (dollar == std::string::npos) {
      out.append(in, i, std::string::npos);
      break;
    }
    out.append(in, i, dollar - i);
    if (in.compare(dollar, 3, "$${") == 0) {  // the escape: a literal "${"
      out += "${";
      i = dollar + 3;
      continue;
    }
    if (in.compare(dollar, 2, "${") != 0) {  // a lone '$' stays as written
      out += '$';
      i = dollar + 1;
      continue;
    }
    auto error = [&](const std::string& msg) {
      return Status::InvalidArgument(reader.TextLoc(node, dollar).Prefix() + msg);
    };
    const size_t close = in.find('}', dollar + 2);
    if (close == std::string::npos) {
      return error(
          "unterminated variable reference: '${' needs a closing '}' (write '$${' for "
          "a literal \"${\")");
    }
    std::string_view ref(in.data() + dollar + 2, close - dollar - 2);
    std::string_view name = ref;
    const char* fallback = nullptr;
    std::string_view def;
    if (const size_t sep = ref.find(":-"); sep != std::string_view::npos) {
      name = ref.substr(0, sep);
      def = ref.substr(sep + 2);
      fallback = def.data();
    }
    if (!CheckVariableName(name).ok()) {
      return error(
          fmt::format("'${{{}}}' is not a variable reference: write ${{NAME}} or "
                      "${{NAME:-default}}, NAME letters, digits and '_' (or '$${{' for "
                      "a literal \"${{\")",
                      ref));
    }
    auto it = vars.find(std::string(name));
    if (it != vars.end()) {
      out += it->second;
    } else if (fallback != nullptr) {
      out.append(def);
    } else {
      return error(
          fmt::format("variable '{}' has no value: give one (sluice run/validate "
                      "--var {}=VALUE), or write a default as ${{{}:-default}}",
                      name, name, name));
    }
    i = close + 1;
  }
  *value = std::move(out);
  return Status::OK();
}

Status SubstituteNode(const TomlReader& reader, const PipelineVariables& vars, toml::node* node) {
  if (auto* s = node->as_string()) return SubstituteString(reader, vars, *node, &s->get());
  if (auto* t = node->as_table()) {
    for (auto&& [k, v] : *t) SLUICE_RETURN_IF_ERROR(SubstituteNode(reader, vars, &v));
  } else if (auto* a = node->as_array()) {
    for (toml::node& v : *a) SLUICE_RETURN_IF_ERROR(SubstituteNode(reader, vars, &v));
  }
  return Status::OK();
}

}  // namespace

Status CheckVariableName(std::string_view name) {
  bool ok = !name.empty() && IsNameStart(name[0]);
  for (char c : name) ok = ok && IsNameChar(c);
  if (ok) return Status::OK();
  return Status::InvalidArgument(fmt::format(
      "'{}' is not a variable name: use letters, digits and '_', not starting with a digit", name));
}

Status SubstituteVariables(const TomlReader& reader, const PipelineVariables& vars,
                           toml::table* root) {
  for (const auto& [name, value] : vars) SLUICE_RETURN_IF_ERROR(CheckVariableName(name));
  for (auto&& [k, v] : *root) SLUICE_RETURN_IF_ERROR(SubstituteNode(reader, vars, &v));
  return Status::OK();
}

}  // namespace sluice
