#include "serve/projection_query.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/time_util.h"
#include "codecs/json.h"
#include "operators/record_parse.h"

namespace sluice::serve {

Status ProjectionReader::Open(const std::string& dir, ProjectionReader* out) {
  LogOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  SLUICE_RETURN_IF_ERROR(EventLog::OpenShared(options, dir, &out->env));
  return ProjectionStore::Open(out->env.get(), &out->store);
}

bool IsProjectionName(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), allowed);
}

std::string WatermarkText(TimeUs w) {
  if (w == kMinTime) return "none yet";
  if (w == kMaxTime) return "end of input";
  return FormatIso(w);
}

std::string FreshnessJson(const ProjectionInfo& info) {
  std::string out = "{\"projection\":";
  AppendJsonString(info.name, &out);
  out += ",\"table\":";
  AppendJsonString(info.physical, &out);
  out += ",\"pipeline\":";
  AppendJsonString(info.pipeline, &out);
  out +=
      fmt::format(",\"rows\":{},\"checkpoint\":{},\"updated_at\":", info.rows, info.checkpoint_id);
  AppendJsonString(FormatIso(info.updated_at), &out);
  out += ",\"source_position\":";
  AppendJsonString(info.position, &out);
  out += ",\"watermark\":";
  AppendJsonString(WatermarkText(info.watermark), &out);
  out += ",\"key\":[";
  for (size_t i = 0; i < info.key.size(); ++i) {
    if (i) out += ",";
    AppendJsonString(info.key[i].name, &out);
  }
  out += "]}";
  return out;
}

// Encodes the given key values as a key prefix, each parsed as its key field's type.
Status KeyPrefix(const ProjectionInfo& info, const std::vector<std::string>& values,
                 std::string* prefix) {
  if (values.size() > info.key.size()) {
    std::vector<std::string> names;
    for (const Field& f : info.key) names.push_back(f.name);
    return Status::InvalidArgument(
        fmt::format("projection '{}' has {} key field(s) ({}), got {} "
                    "values",
                    info.name, info.key.size(), fmt::join(names, ", "), values.size()));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const Field& f = info.key[i];
    Value v;
    v.type = f.type;
    v.null = false;
    if (f.type == Type::kString) {
      v.s = values[i];
    } else {
      FieldValue fv;
      std::string reason;
      if (values[i].empty()) {
        return Status::InvalidArgument(fmt::format("key value for field '{}' is empty", f.name));
      }
      if (!ParseFieldText(values[i], f, &fv, &reason)) {
        return Status::InvalidArgument("bad key value: " + reason);
      }
      v.i = fv.i;
      v.d = fv.d;
    }
    EncodeKeyValue(v, prefix);
  }
  return Status::OK();
}

}  // namespace sluice::serve
