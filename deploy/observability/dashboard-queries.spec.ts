import { exportedMetricNames, metricNamesOf } from './dashboard-queries';

describe('metric names in PromQL and in an exposition', () => {
  it('finds the metrics of a query, not its functions, labels, grouping or keywords', () => {
    expect(
      metricNamesOf('histogram_quantile(0.99, sum by (route, le) (rate(gateway_proxy_request_duration_seconds_bucket{status=~"5..",route!="x"}[1m])))'),
    ).toEqual(['gateway_proxy_request_duration_seconds_bucket']);
    expect(metricNamesOf('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > bool 0 and on (app) up')).toEqual(['a_total', 'b_total', 'up']);
    expect(metricNamesOf('max by (instance) (registry_raft_role{role="leader"})')).toEqual(['registry_raft_role']);
  });

  it('reads declared metrics (histogram series included) and sampled ones', () => {
    const names = exportedMetricNames('# HELP h_seconds x\n# TYPE h_seconds histogram\nh_seconds_bucket{le="1"} 0\n# TYPE c_total counter\nplain 1\n');
    expect([...names].sort()).toEqual(['c_total', 'h_seconds', 'h_seconds_bucket', 'h_seconds_count', 'h_seconds_sum', 'plain']);
  });
});
