import { describe, expect, it } from 'vitest';
import { parseAutocannon, parseWrk } from '../../bench/load.js';
import { pairedRatios, roundOrder, summarize } from '../../bench/stats.js';

const WRK_OUTPUT = `Running 6s test @ http://127.0.0.1:41234/api/me
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.21ms  512.00us  21.40ms   91.02%
    Req/Sec    10.02k   401.22    10.51k    80.00%
  Latency Distribution
     50%    3.10ms
     75%    3.40ms
     90%    3.77ms
     99%    1.02s
  59812 requests in 6.00s, 14.26MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   9968.67
Transfer/sec:      2.38MB
`;

describe('bench statistics', () => {
  it('summarizes to the median with its range', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(summarize([4, 1, 2, 3]).median).toBe(2.5);
    expect(summarize([]).n).toBe(0);
  });

  it('pairs ratios within a round and skips rounds missing either side', () => {
    const rounds = [
      new Map([['a', 50], ['b', 100]]),
      new Map([['a', 90], ['b', 100]]),
      new Map([['b', 100]]),
    ];
    expect(pairedRatios(rounds, 'a', 'b')).toEqual([0.5, 0.9]);
  });

  it('rotates the order of targets each round', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
  });
});

describe('load generator output', () => {
  it('reads wrk --latency, converting units and counting failures', () => {
    expect(parseWrk(WRK_OUTPUT)).toEqual({ rps: 9968.67, p50Ms: 3.1, p99Ms: 1020, requests: 59812, failures: 7 });
  });

  it('refuses wrk output it does not understand', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/unexpected wrk output/);
  });

  it('reads autocannon --json', () => {
    const json = JSON.stringify({
      requests: { average: 8000.5, total: 48003 },
      latency: { p50: 3, p99: 9 },
      non2xx: 1,
      errors: 2,
      timeouts: 0,
    });
    expect(parseAutocannon(json)).toEqual({ rps: 8000.5, p50Ms: 3, p99Ms: 9, requests: 48003, failures: 3 });
  });
});
