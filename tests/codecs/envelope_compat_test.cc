// Schema evolution: what version 1 of envelope.fbs wrote stays readable, and `flatc --conform`
// (through CheckSchemaEvolution) accepts compatible changes and names incompatible ones.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "codecs/envelope.h"

namespace sluice {
namespace {

const std::string kData = std::string(SLUICE_SOURCE_DIR) + "/tests/data/log/";
const std::string kCurrent = std::string(SLUICE_SOURCE_DIR) + "/codecs/schema/envelope.fbs";

TEST_CASE("envelope compat: a version-1 envelope reads with the current schema") {
  // envelope_v1.bin was built by `flatc -b envelope_v1.fbs envelope_v1.json`.
  std::ifstream in(kData + "envelope_v1.bin", std::ios::binary);
  REQUIRE(in.good());
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EnvelopeView e;
  REQUIRE(DecodeEnvelope(bytes.data(), bytes.size(), &e).ok());
  CHECK(e.event_id == EventId{0x0123456789abcdefULL, 0x123456789abcdef0ULL});
  CHECK(e.stream_id == "order-17");
  CHECK(e.stream_version == 3);
  CHECK(e.global_position == 42);
  CHECK(e.event_type == "OrderPlaced");
  CHECK(e.schema_version == 1);
  CHECK(e.event_time_us == 1714564800250000);
  CHECK(e.payload == "hello");
  // Fields added in version 2 read as their defaults.
  CHECK(e.append_time_us == 0);
  CHECK(e.correlation_id.empty());
  CHECK(e.content_type.empty());
}

TEST_CASE("envelope compat: the current schema conforms to version 1") {
  Result<SchemaCheck> r = CheckSchemaEvolution(kData + "envelope_v1.fbs", kCurrent);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->compatible);
  CHECK(r->reason.empty());
}

TEST_CASE("envelope compat: a retyped field is reported as incompatible") {
  Result<SchemaCheck> r =
      CheckSchemaEvolution(kData + "envelope_v1.fbs", kData + "envelope_incompatible.fbs");
  REQUIRE(r.ok());
  CHECK_FALSE(r->compatible);
  CHECK(r->reason.find("stream_version") != std::string::npos);
}

TEST_CASE("envelope compat: missing or unparsable schema files are errors and not verdicts") {
  CHECK(CheckSchemaEvolution(kData + "no-such.fbs", kCurrent).status().IsNotFound());
  CHECK(CheckSchemaEvolution(kData + "envelope_v1.json", kCurrent).status().IsInvalidArgument());
}

}  // namespace
}  // namespace sluice
