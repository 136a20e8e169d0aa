package main

import (
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/server"
)

// samlRoutes registers the service provider side of SAML connections: the
// metadata to give an IdP, the ACS the IdP posts to, and the same-site
// step that binds the posted response to the browser's transaction.
func samlRoutes(srv *server.Server, az *authorize.Handler) {
	srv.Handle("GET "+authorize.SAMLMetadataPath+"{connection_id}", http.HandlerFunc(az.SAMLMetadata))
	srv.Handle("POST "+authorize.SAMLACSPath+"{connection_id}", http.HandlerFunc(az.SAMLACS))
	srv.Handle("GET "+authorize.SAMLContinuePath, http.HandlerFunc(az.SAMLContinue))
}
