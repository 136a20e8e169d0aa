package server

import "github.com/prometheus/client_golang/prometheus"

// RegisterMetrics adds collectors of a feature package to the server's
// /metrics, next to its own.
func (s *Server) RegisterMetrics(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := s.metrics.registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}
