// Package layers holds no code: its test keeps services/internal's two
// layers apart (docs/architecture.md, "Layers"). Plumbing (errors, auth,
// storage, rpc, paging…) serves every service and knows none of them;
// assembly (config, app, cli, export, stress…) puts the services and the
// plumbing together into processes and tools, and sits above both.
package layers
