// The secret files (adapters/security/secret_file.h): a daemon killed while creating one
// never leaves a file the next start refuses, and two starting at once share one key.
#include "adapters/security/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace dutyflow {
namespace {

// What dutyflow before this change left when killed between creating the key file and
// writing it (the CI crash test did that at start-up): an empty file, mode 0600.
TEST(SecretFile, AnEmptyFileLeftByACrashIsMadeAnew) {
  testing::temp_dir dir;
  const auto path = dir.file("calendar.key");
  testing::write_file(path, "");
  ::chmod(path.c_str(), 0600);
  bool created = false;
  auto key = security::load_or_create_secret(path, "calendar link key", &created);
  ASSERT_TRUE(key) << key.err().message;
  EXPECT_TRUE(created);
  EXPECT_EQ(key->size(), 64u);
  auto again = security::load_or_create_secret(path, "calendar link key", &created);
  ASSERT_TRUE(again);
  EXPECT_FALSE(created);
  EXPECT_EQ(*again, *key);
}

TEST(SecretFile, CreationLeavesOnlyTheKeyFileBehind) {
  testing::temp_dir dir;
  ASSERT_TRUE(security::load_or_create_secret(dir.file("keys/link.key"), "link key"));
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("keys"))) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"link.key"});
}

TEST(SecretFile, ProcessesStartingAtOnceShareOneKey) {
  testing::temp_dir dir;
  const auto path = dir.file("calendar.key");
  constexpr int starters = 8;
  std::vector<std::string> keys(starters);
  std::vector<std::string> problems(starters);
  std::vector<std::thread> threads;
  for (int i = 0; i < starters; ++i)
    threads.emplace_back([&, i] {
      auto key = security::load_or_create_secret(path, "calendar link key");
      if (key) keys[i] = *key;
      else problems[i] = key.err().message;
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < starters; ++i) {
    EXPECT_EQ(problems[i], "") << "starter " << i;
    EXPECT_EQ(keys[i], keys[0]) << "starter " << i;
  }
  EXPECT_EQ(keys[0].size(), 64u);
}

TEST(SecretFile, AKeyTooShortIsRefusedNotReplaced) {
  testing::temp_dir dir;
  const auto path = dir.file("calendar.key");
  testing::write_file(path, "short\n");
  ::chmod(path.c_str(), 0600);
  auto key = security::load_or_create_secret(path, "calendar link key");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.err().code, errc::invalid);
  EXPECT_EQ(testing::read_file(path), "short\n");
}

}  // namespace
}  // namespace dutyflow
