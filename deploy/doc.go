// Package deploy holds no code: its tests check what this folder ships
// (the container image build, the compose file and the Kubernetes
// manifests) with the real tools that read them, kustomize and the
// compose specification's own loader. `make deploy-check` runs them.
//
// It is a module of its own, outside go.work, so that the compose and
// Kubernetes libraries the checks use never enter the servers' build list.
package deploy
