package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestOrganizationLifecycle(t *testing.T) {
	e := newEnv(t)
	org := decodeInto[object](t, e.do("POST", "/organizations", object{
		"name": "Acme", "external_id": "acme-1",
		"domain_data": []object{{"domain": "Acme.test", "state": "verified"}, {"domain": "acme.example", "state": "pending"}},
	}, http.StatusCreated))
	id := org["id"].(string)
	if !strings.HasPrefix(id, "org_") || org["name"] != "Acme" || org["external_id"] != "acme-1" {
		t.Fatalf("created %v", org)
	}
	domains := org["domains"].([]any)
	if len(domains) != 2 || domains[0].(object)["domain"] != "acme.test" || domains[1].(object)["state"] != "pending" {
		t.Fatalf("domains %v: want acme.test (lower-cased, verified) and acme.example (pending)", domains)
	}

	got := decodeInto[object](t, e.do("GET", "/organizations/"+id, nil, http.StatusOK))
	if got["id"] != id {
		t.Fatalf("get %v", got)
	}
	got = decodeInto[object](t, e.do("GET", "/organizations/external_id/acme-1", nil, http.StatusOK))
	if got["id"] != id {
		t.Fatalf("get by external ID %v", got)
	}

	// PUT changes what it names: the deprecated domains list replaces the
	// set (verified), external_id null clears it.
	up := decodeInto[object](t, e.do("PUT", "/organizations/"+id, object{"name": "Acme Inc", "domains": []string{"acme.test", "acme.dev"}, "external_id": nil}, http.StatusOK))
	if up["name"] != "Acme Inc" || up["external_id"] != nil || len(up["domains"].([]any)) != 2 {
		t.Fatalf("updated %v", up)
	}
	up = decodeInto[object](t, e.do("PUT", "/organizations/"+id, object{}, http.StatusOK))
	if up["name"] != "Acme Inc" || len(up["domains"].([]any)) != 2 {
		t.Fatalf("an empty update changed %v", up)
	}

	list := decodeInto[object](t, e.do("GET", "/organizations?domains=acme.dev,other.test", nil, http.StatusOK))
	if data := list["data"].([]any); len(data) != 1 || data[0].(object)["id"] != id {
		t.Fatalf("list by domain %v", list)
	}
	list = decodeInto[object](t, e.do("GET", "/organizations?search=inc", nil, http.StatusOK))
	if len(list["data"].([]any)) != 1 {
		t.Fatalf("search %v", list)
	}

	e.do("DELETE", "/organizations/"+id, nil, http.StatusOK)
	e.do("GET", "/organizations/"+id, nil, http.StatusNotFound)
	e.do("DELETE", "/organizations/"+id, nil, http.StatusNotFound)
	if e.changed.Load() < 4 {
		t.Errorf("Changed called %d times for 4 writes", e.changed.Load())
	}
}
