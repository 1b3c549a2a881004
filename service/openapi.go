package service

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// openapi serves an OpenAPI 3 document built from the route table, so it
// cannot drift from the routes (a test checks every route is described).
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	paths := map[string]map[string]any{}
	for _, rt := range apiRoutes(s) {
		p := "/api/v1" + rt.path
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": opID(rt.method, rt.path),
			"responses": map[string]any{
				"default": map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		ok := map[string]any{"description": "success"}
		switch {
		case rt.method == http.MethodPost && rt.path == "/jobs":
			op["responses"].(map[string]any)["202"] = map[string]any{"description": "job accepted", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Job"}}}}
			op["requestBody"] = map[string]any{"content": map[string]any{
				"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "properties": map[string]any{
					"template": map[string]string{"type": "string", "format": "binary"}, "template_id": map[string]string{"type": "string"},
					"csv": map[string]string{"type": "string", "format": "binary"}, "width": map[string]string{"type": "number"},
					"height": map[string]string{"type": "number"}, "mapping": map[string]string{"type": "string"}, "options": map[string]string{"type": "string"},
				}}},
				"application/json": map[string]any{"schema": map[string]any{"type": "object"}},
			}}
		case rt.method == http.MethodDelete:
			op["responses"].(map[string]any)["204"] = map[string]any{"description": "deleted"}
		default:
			op["responses"].(map[string]any)["200"] = ok
		}
		paths[p][strings.ToLower(rt.method)] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]string{"title": "fabricpress", "version": "1", "description": "Personalised print pieces from Fabric.js templates."},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]string{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object", "properties": map[string]any{
					"code": map[string]string{"type": "string"}, "message": map[string]string{"type": "string"},
					"details": map[string]any{"type": "array", "items": map[string]string{"type": "string"}}}}}},
				"Job": map[string]any{"type": "object", "properties": map[string]any{
					"id": map[string]string{"type": "string"}, "status": map[string]string{"type": "string"},
					"total": map[string]string{"type": "integer"}, "done": map[string]string{"type": "integer"}, "failed": map[string]string{"type": "integer"}}},
			},
		},
		"security": []map[string][]string{{"bearer": {}}},
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func opID(method, path string) string {
	p := pathParam.ReplaceAllString(path, "By_$1")
	p = strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(p)
	return strings.ToLower(method) + p
}
