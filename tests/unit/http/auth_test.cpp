// adapters/http/auth.cpp: bearer tokens (the tokens file, roles, authentication by hash).
#include "adapters/http/auth.h"
#include "adapters/security/codec.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace dutyflow;
using namespace dutyflow::http;
using dutyflow::testing::temp_dir;
using dutyflow::testing::read_file;
using dutyflow::testing::write_file;

TEST(Auth, RolesAreParsedByTheirExactNames) {
  EXPECT_EQ(parse_role("coordinator"), role::coordinator);
  EXPECT_EQ(parse_role("unit"), role::unit);
  EXPECT_EQ(parse_role("viewer"), role::viewer);
  EXPECT_FALSE(parse_role("Coordinator"));
  EXPECT_FALSE(parse_role("system")) << "no token acts as the daemon";
  EXPECT_FALSE(parse_role(""));
}

TEST(Auth, ATokenIsKnownByItsHashAndGivesItsEntrysActor) {
  token_store store({{"phong-noi-vu", role::coordinator, "phong-noi-vu", security::sha256_hex("coord")},
                     {"ubnd-xa-ma-li-pho", role::unit, "xa-ma-li-pho", security::sha256_hex("unit")}});
  auto coord = store.authenticate("coord");
  ASSERT_TRUE(coord);
  EXPECT_EQ(coord->name, "phong-noi-vu");
  EXPECT_EQ(coord->role, role::coordinator);
  auto unit = store.authenticate("unit");
  ASSERT_TRUE(unit);
  EXPECT_EQ(unit->unit, "xa-ma-li-pho");
  EXPECT_FALSE(store.authenticate(""));
  EXPECT_FALSE(store.authenticate("coord "));
  EXPECT_FALSE(store.authenticate(security::sha256_hex("coord"))) << "the hash is not the token";
}

TEST(Auth, GeneratedTokensAreLongRandomAndUrlSafe) {
  auto a = generate_token();
  auto b = generate_token();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->starts_with("dft_"));
  EXPECT_EQ(a->size(), 4u + 43u);
  EXPECT_NE(*a, *b);
  for (char c : a->substr(4)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
}

TEST(Auth, AddedTokensAreWrittenPrivateAndAuthenticateAfterALoad) {
  temp_dir dir;
  const auto path = dir.file("tokens.json");
  auto missing = token_store::load(path);
  ASSERT_TRUE(missing) << "a missing file is an empty store";
  EXPECT_TRUE(missing->empty());
  auto coord = add_token(path, "phong-noi-vu", "coordinator", "");
  ASSERT_TRUE(coord) << coord.err().message;
  auto unit = add_token(path, "ubnd-xa-ma-li-pho", "unit", "xa-ma-li-pho");
  ASSERT_TRUE(unit);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = token_store::load(path);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->size(), 2u);
  EXPECT_EQ(loaded->authenticate(*unit)->unit, "xa-ma-li-pho");
  EXPECT_EQ(loaded->authenticate(*coord)->role, role::coordinator);
  EXPECT_EQ(read_file(path).find(*coord), std::string::npos) << "only the hash is stored";

  EXPECT_EQ(add_token(path, "phong-noi-vu", "viewer", "").err().code, errc::invalid) << "names are unique";
  EXPECT_EQ(add_token(path, "x", "admin", "").err().code, errc::invalid);
  EXPECT_EQ(add_token(path, "x", "unit", "").err().code, errc::invalid) << "a unit token names its unit";
  EXPECT_EQ(add_token(path, "", "viewer", "").err().code, errc::invalid);
}

TEST(Auth, AMalformedTokensFileIsRefusedWithWhere) {
  temp_dir dir;
  const auto path = dir.file("tokens.json");
  auto refused = [&](const std::string& text) {
    write_file(path, text);
    auto r = token_store::load(path);
    return r ? std::string() : r.err().message;
  };
  EXPECT_NE(refused("{").find("not a tokens file"), std::string::npos);
  EXPECT_NE(refused(R"({"tokens": {}})").find("not a tokens file"), std::string::npos);
  EXPECT_NE(refused(R"({"tokens": [{"name": "a", "role": "viewer"}]})").find("tokens[0]: needs name, role and sha256"),
            std::string::npos);
  const std::string hash = security::sha256_hex("x");
  EXPECT_NE(refused(R"({"tokens": [{"name": "a", "role": "chief", "sha256": ")" + hash + "\"}]}").find("unknown role"),
            std::string::npos);
  EXPECT_NE(refused(R"({"tokens": [{"name": "a", "role": "unit", "sha256": ")" + hash + "\"}]}").find("needs a unit"),
            std::string::npos);
  EXPECT_NE(refused(R"({"tokens": [{"name": "a", "role": "viewer", "sha256": "abc"}]})").find("64 hex digits"),
            std::string::npos);
  EXPECT_NE(refused(R"({"tokens": [{"name": "a", "role": "viewer", "unit": 5, "sha256": ")" + hash + "\"}]}")
                .find("unit must be a string"),
            std::string::npos);
}
