#include <cstdio>

int main() {
  std::fprintf(stderr, "sluice: under construction\n");
  return 1;
}
