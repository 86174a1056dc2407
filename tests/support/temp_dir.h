// A directory under $TMPDIR that exists for one test and is removed with everything
// in it when the object goes out of scope.
#pragma once

#include <filesystem>
#include <string>

namespace dutyflow::testing {

class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, replacing it.
void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace dutyflow::testing
