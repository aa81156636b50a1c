#include "cli/pipeline_vars.h"

#include <fmt/format.h>

#include "pipelines/toml_loader.h"

namespace sluice::cli {

Result<PipelineSpec> LoadWithVars(const std::string& file, const std::vector<std::string>& vars) {
  LoadOptions options;
  for (const std::string& v : vars) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("--var '{}' is not an assignment: write --var NAME=VALUE", v));
    }
    const std::string name = v.substr(0, eq);
    SLUICE_RETURN_IF_ERROR(CheckVariableName(name));
    options.variables[name] = v.substr(eq + 1);
  }
  return LoadPipelineFile(file, options);
}

void AddVarOption(CLI::App* cmd, std::vector<std::string>* vars) {
  cmd->add_option("--var", *vars,
                  "Set a variable of the file: ${NAME} and ${NAME:-default} in its string values "
                  "(repeatable; docs/pipelines.md, Variables)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
}

}  // namespace sluice::cli
