// asyncio tutorial, "Real-World Use Case: Asynchronous File Processing": read three files
// concurrently with gather; the results come back in argument order.
#include <chrono>
#include <corio/corio.hpp>
#include <cstdio>
#include <string>
#include <vector>

using namespace std::chrono_literals;

corio::Task<std::string> read_file(std::string name) {
  co_await corio::sleep_for(1s);
  std::printf("Reading %s\n", name.c_str());
  co_return "Content of " + name;
}

corio::Task<> amain() {
  std::vector<corio::Task<std::string>> reads;
  for (const char* f : {"file1.txt", "file2.txt", "file3.txt"}) reads.push_back(read_file(f));
  std::vector<std::string> results = co_await corio::gather(std::move(reads));
  std::printf("[");
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::printf("%s'%s'", i ? ", " : "", results[i].c_str());
  }
  std::printf("]\n");
}

int main() { corio::run(amain()); }
