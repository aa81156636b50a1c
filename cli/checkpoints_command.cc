#include "cli/checkpoints_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "codecs/json.h"
#include "base/time_util.h"
#include "storage/checkpoint_store.h"

namespace sluice::cli {
namespace {

std::string RecordJson(const std::string& name, const CheckpointRecord& r) {
  std::string out = "{\"pipeline\":";
  AppendJsonString(name, &out);
  out += fmt::format(",\"checkpoint\":{},\"taken_at\":", r.id);
  AppendJsonString(FormatIso(r.taken_at), &out);
  out += ",\"state\":";
  AppendJsonString(r.closed     ? "complete"
                   : r.finished ? "finished, outputs not yet renamed"
                                : "running or interrupted",
                   &out);
  out += ",\"source_position\":";
  AppendJsonString(r.position_text, &out);
  out += ",\"watermark\":";
  AppendJsonString(r.watermark == kMinTime   ? "none yet"
                   : r.watermark == kMaxTime ? "end of input"
                                             : FormatIso(r.watermark),
                   &out);
  // "lanes": the operator instances whose state it holds (keyed stages times parallelism);
  // "stages": each keyed stage's name ("" when the record is older than format version 3).
  size_t instances = 0;
  out += ",\"stages\":[";
  for (size_t k = 0; k < r.stages.size(); ++k) {
    if (k > 0) out += ",";
    AppendJsonString(r.stages[k].name, &out);
    instances += r.stages[k].lanes.size();
  }
  out += fmt::format(
      "],\"lanes\":{},\"events_in\":{},\"records_out\":{},\"late\":{},\"dead_letters\":{}}}",
      instances, r.events_in, r.records_out, r.late_events, r.dead_letter_count);
  return out;
}

int List(const std::string& dir) {
  std::unique_ptr<CheckpointStore> store;
  Status s = CheckpointStore::OpenReadOnly(dir, &store);
  std::vector<std::pair<std::string, CheckpointRecord>> all;
  if (s.ok()) s = store->List(&all);
  if (!s.ok()) {
    fmt::print(stderr, "sluice: {}\n", s.message());
    return 1;
  }
  for (const auto& [name, rec] : all) fmt::print("{}\n", RecordJson(name, rec));
  return 0;
}

}  // namespace

void AddCheckpointsCommand(CLI::App& app, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* c = app.add_subcommand(
      "checkpoints", "List the latest checkpoint of each pipeline in a state directory");
  c->add_option("DIR", *dir, "A pipeline's state directory (state_dir)")->required();
  c->callback([dir, exit_code] { *exit_code = List(*dir); });
}

}  // namespace sluice::cli
