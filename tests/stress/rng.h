/* The random stream of the stress programs (tests/stress/), shared so
 * a seed printed by one replays the same way in all: splitmix64, small,
 * and the same stream for the same state on any machine and libc. Each
 * program is one translation unit, so the state is a file-scope static. */
#ifndef STRESS_RNG_H
#define STRESS_RNG_H
#include <stdint.h>

static uint64_t rng_state;

static inline void rng_seed(uint64_t seed) { rng_state = seed; }

static inline uint64_t next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). An empty range (n == 0, which a mutated size can
 * wrap to) gives 0 rather than dividing by zero, so a caller indexing a
 * zero-length thing gets its start. */
static inline uint64_t below(uint64_t n) { return n ? next() % n : 0; }

#endif
