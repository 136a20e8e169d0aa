//go:build race && unix

package nodesdk_test

func init() { buildFlags = append(buildFlags, "-race") }
