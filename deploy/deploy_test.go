package deploy

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// grpcServices are the gRPC health service names of the parts that serve
// gRPC; the gateway serves HTTP only.
var grpcServices = map[string]string{
	"licences": "stemma.licences.v1.LicenceService",
	"catalog":  "stemma.catalog.v1.CatalogService",
	"lineage":  "stemma.lineage.v1.LineageService",
}

var parts = []string{"licences", "catalog", "lineage", "gateway"}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// stemmaBinary builds the binary the image ships, with the image's own
// build script, once per test run.
func stemmaBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stemma-deploy-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "stemma")
		out, err := exec.Command("./build-static.sh", binary).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build-static.sh: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// TestImageBinaryIsStatic builds the binary as the Dockerfile does and
// checks what the distroless/static base needs: no dynamic loader, no
// shared libraries, and it runs.
func TestImageBinaryIsStatic(t *testing.T) {
	bin := stemmaBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the image's binary is dynamically linked (program header %v)", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the image's binary needs shared libraries %v", libs)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Errorf("stemma version: %v %s", err, out)
	}
}

// TestDockerfile checks the image's shape without a Docker engine: several
// stages, the build through build-static.sh, a distroless or scratch final
// stage running as a numeric non-root user.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	var entrypoint string
	builds := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "FROM "):
			froms = append(froms, strings.Fields(line)[1])
			users = nil // USER is per stage
		case strings.HasPrefix(line, "USER "):
			users = append(users, strings.TrimPrefix(line, "USER "))
		case strings.HasPrefix(line, "ENTRYPOINT "):
			entrypoint = line
		case strings.Contains(line, "deploy/build-static.sh /out/stemma"):
			builds = true
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a multi-stage build; FROM lines: %v", froms)
	}
	final := froms[len(froms)-1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage %s: want distroless/static or scratch", final)
	}
	if !builds {
		t.Error("the build stage does not run deploy/build-static.sh, which this test checks")
	}
	if len(users) != 1 || !regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(users[0]) {
		t.Errorf("final stage USER %v: want one numeric non-root user (Kubernetes' runAsNonRoot needs a number)", users)
	}
	if !strings.Contains(entrypoint, "/usr/local/bin/stemma") {
		t.Errorf("ENTRYPOINT %q: want the stemma binary", entrypoint)
	}
}

// serveVariables returns the STEMMA_ variable of every flag of `stemma
// serve`, read from its --help, so that a misspelt variable in a manifest
// is caught here rather than logged as ignored in production.
func serveVariables(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command(stemmaBinary(t), "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("stemma serve --help: %v\n%s", err, out)
	}
	vars := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(string(out), -1) {
		vars["STEMMA_"+strings.ToUpper(strings.ReplaceAll(m[1], "-", "_"))] = true
	}
	if !vars["STEMMA_DATABASE_URL"] {
		t.Fatalf("could not read the flags from stemma serve --help:\n%s", out)
	}
	return vars
}

func kustomize(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	k, err := filepath.Abs("../.bin/kustomize")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(k); err != nil {
		t.Fatalf("kustomize not found at %s (make tools installs it; or set KUSTOMIZE): %v", k, err)
	}
	return k
}

// rendered is what one kustomization renders to.
type rendered struct {
	deployments  map[string]*appsv1.Deployment
	statefulSets map[string]*appsv1.StatefulSet
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	hpas         map[string]*autoscalingv2.HorizontalPodAutoscaler
	pdbs         map[string]*policyv1.PodDisruptionBudget
	policies     map[string]*networkingv1.NetworkPolicy
}

// render runs kustomize build on dir and decodes every object strictly
// into its Kubernetes API type: a misspelt or misplaced field fails.
func render(t *testing.T, dir string) *rendered {
	t.Helper()
	out, err := exec.Command(kustomize(t), "build", dir).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr)
	}
	r := &rendered{
		deployments: map[string]*appsv1.Deployment{}, statefulSets: map[string]*appsv1.StatefulSet{},
		services: map[string]*corev1.Service{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}, hpas: map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		pdbs: map[string]*policyv1.PodDisruptionBudget{}, policies: map[string]*networkingv1.NetworkPolicy{},
	}
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var meta struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		var obj interface{ GetName() string }
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			obj = decode(t, doc, r.deployments)
		case "apps/v1 StatefulSet":
			obj = decode(t, doc, r.statefulSets)
		case "v1 Service":
			obj = decode(t, doc, r.services)
		case "v1 ConfigMap":
			obj = decode(t, doc, r.configMaps)
		case "v1 Secret":
			obj = decode(t, doc, r.secrets)
		case "autoscaling/v2 HorizontalPodAutoscaler":
			obj = decode(t, doc, r.hpas)
		case "policy/v1 PodDisruptionBudget":
			obj = decode(t, doc, r.pdbs)
		case "networking.k8s.io/v1 NetworkPolicy":
			obj = decode(t, doc, r.policies)
		case "v1 Namespace":
			continue
		default:
			t.Fatalf("%s renders an object this check does not know: %s %s", dir, meta.APIVersion, meta.Kind)
		}
		if obj.GetName() == "" {
			t.Errorf("%s: a %s without a name", dir, meta.Kind)
		}
	}
	return r
}

func decode[T any, P interface {
	*T
	GetName() string
}](t *testing.T, doc string, into map[string]P) P {
	t.Helper()
	var v P = new(T)
	if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	into[v.GetName()] = v
	return v
}

func TestKustomizeBase(t *testing.T) {
	r := render(t, "k8s/base")
	checkParts(t, r, serveVariables(t))
	checkIngress(t, r)
}

// secretValue returns key of the generated Secret name (whose rendered
// name carries a content hash).
func secretValue(r *rendered, name, key string) string {
	for n, sec := range r.secrets {
		if strings.HasPrefix(n, name+"-") {
			return sec.StringData[key] + string(sec.Data[key])
		}
	}
	return ""
}

// checkIngress checks who may reach what: every pod is selected by a
// NetworkPolicy; only the gateway's HTTP port is open to any source;
// every other port admits Stemma's parts alone.
func checkIngress(t *testing.T, r *rendered) {
	t.Helper()
	stemma := labels.Set{"app.kubernetes.io/part-of": "stemma", "app.kubernetes.io/name": "stemma"}
	for name, d := range r.deployments {
		pod := labels.Set(d.Spec.Template.Labels)
		var rules []networkingv1.NetworkPolicyIngressRule
		for _, np := range r.policies {
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				t.Fatalf("NetworkPolicy %s: %v", np.Name, err)
			}
			if sel.Matches(pod) {
				rules = append(rules, np.Spec.Ingress...)
			}
		}
		if len(rules) == 0 {
			t.Errorf("%s: no NetworkPolicy selects its pods; anything may reach them", name)
		}
		for _, rule := range rules {
			if len(rule.From) == 0 {
				if name != "stemma-gateway" || len(rule.Ports) != 1 || rule.Ports[0].Port.IntValue() != 8080 {
					t.Errorf("%s: a NetworkPolicy admits any source (ports %v); only the gateway's 8080 may be public", name, rule.Ports)
				}
				continue
			}
			for _, from := range rule.From {
				sel, err := metav1.LabelSelectorAsSelector(from.PodSelector)
				if from.PodSelector == nil || err != nil || from.NamespaceSelector != nil || from.IPBlock != nil || sel.Empty() || !sel.Matches(stemma) {
					t.Errorf("%s: a NetworkPolicy admits %+v; want Stemma's parts only", name, from)
				}
			}
		}
	}
}

func TestKustomizeDevOverlay(t *testing.T) {
	r := render(t, "k8s/overlays/dev")
	vars := serveVariables(t)
	checkParts(t, r, vars)
	checkReferences(t, r, vars)
	for _, name := range []string{"postgres", "redis"} {
		if r.services[name] == nil {
			t.Errorf("the dev overlay has no %s Service", name)
		}
	}
	checkIngress(t, r)
	// Redis runs with a password, which the parts get in their URL from
	// the Secret.
	redis := r.deployments["redis"]
	if redis == nil || !slices.Contains(redis.Spec.Template.Spec.Containers[0].Args, "--requirepass") {
		t.Fatal("the dev overlay's Redis runs without --requirepass")
	}
	pw, url := secretValue(r, "redis", "REDIS_PASSWORD"), secretValue(r, "stemma", "STEMMA_REDIS_URL")
	if pw == "" || !strings.Contains(url, ":"+pw+"@") {
		t.Errorf("Secret stemma's STEMMA_REDIS_URL %q does not carry the Secret redis's password", url)
	}
	for _, cm := range r.configMaps {
		if _, ok := cm.Data["STEMMA_REDIS_URL"]; ok {
			t.Errorf("ConfigMap %s has STEMMA_REDIS_URL; it carries a password and belongs in the Secret", cm.Name)
		}
	}
}

// The production overlay reads secrets.env, which only an operator writes;
// the check renders a copy with the example in its place.
func TestKustomizeProductionOverlay(t *testing.T) {
	tmp := t.TempDir()
	if err := os.CopyFS(filepath.Join(tmp, "k8s"), os.DirFS("k8s")); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("k8s/overlays/production/secrets.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "k8s/overlays/production/secrets.env"), example, 0o600); err != nil {
		t.Fatal(err)
	}
	r := render(t, filepath.Join(tmp, "k8s/overlays/production"))
	vars := serveVariables(t)
	checkParts(t, r, vars)
	checkReferences(t, r, vars)
}

// checkParts checks each of Stemma's parts: a Deployment, Service,
// HorizontalPodAutoscaler and PodDisruptionBudget that fit together,
// health probes of the right kind, resources, a locked-down container.
func checkParts(t *testing.T, r *rendered, vars map[string]bool) {
	t.Helper()
	for _, part := range parts {
		name := "stemma-" + part
		d, svc, hpa, pdb := r.deployments[name], r.services[name], r.hpas[name], r.pdbs[name]
		if d == nil || svc == nil || hpa == nil || pdb == nil {
			t.Errorf("%s: want a Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget; have %v %v %v %v",
				part, d != nil, svc != nil, hpa != nil, pdb != nil)
			continue
		}
		pod := d.Spec.Template
		for k, v := range d.Spec.Selector.MatchLabels {
			if pod.Labels[k] != v {
				t.Errorf("%s: the Deployment's selector %s=%s does not match its pods", part, k, v)
			}
		}
		for k, v := range svc.Spec.Selector {
			if pod.Labels[k] != v {
				t.Errorf("%s: the Service's selector %s=%s does not match the pods", part, k, v)
			}
		}
		if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != name {
			t.Errorf("%s: the autoscaler targets %v", part, hpa.Spec.ScaleTargetRef)
		}
		if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
			t.Errorf("%s: want at least 2 replicas under autoscaling", part)
		}
		if d.Spec.Replicas != nil {
			t.Errorf("%s: the Deployment sets replicas, which a re-apply would reset under the autoscaler", part)
		}
		if ps := pod.Spec.SecurityContext; ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot {
			t.Errorf("%s: the pod may run as root", part)
		}
		if len(pod.Spec.Containers) != 1 {
			t.Fatalf("%s: want one container", part)
		}
		c := pod.Spec.Containers[0]
		checkContainer(t, part, c, vars)
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		for _, p := range svc.Spec.Ports {
			if _, ok := ports[p.TargetPort.String()]; !ok {
				t.Errorf("%s: Service port %s targets %q, which the container does not name", part, p.Name, p.TargetPort.String())
			}
		}
		if svcName, ok := grpcServices[part]; ok {
			rp, lp := c.ReadinessProbe, c.LivenessProbe
			if rp == nil || rp.GRPC == nil || rp.GRPC.Service == nil || *rp.GRPC.Service != svcName || rp.GRPC.Port != ports["grpc"] {
				t.Errorf("%s: want a gRPC readiness probe of %s on the grpc port; have %+v", part, svcName, rp)
			}
			if lp == nil || lp.GRPC == nil || lp.GRPC.Port != ports["grpc"] {
				t.Errorf("%s: want a gRPC liveness probe on the grpc port; have %+v", part, lp)
			}
		} else {
			rp, lp := c.ReadinessProbe, c.LivenessProbe
			if rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Path != "/healthz" {
				t.Errorf("%s: want readiness through GET /healthz; have %+v", part, rp)
			}
			if lp == nil || lp.HTTPGet == nil || lp.HTTPGet.Path != "/livez" {
				t.Errorf("%s: want liveness through GET /livez; have %+v", part, lp)
			}
		}
		if !slices.Equal(c.Args, []string{"serve", "--target=" + part}) {
			t.Errorf("%s: args %v; want serve --target=%s", part, c.Args, part)
		}
	}
}

func checkContainer(t *testing.T, part string, c corev1.Container, vars map[string]bool) {
	t.Helper()
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[res]; !ok {
			t.Errorf("%s: no %s request", part, res)
		}
	}
	if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
		t.Errorf("%s: no memory limit", part)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: want a read-only root file system and no privilege escalation", part)
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "STEMMA_") && !vars[e.Name] {
			t.Errorf("%s: %s is no variable of stemma serve", part, e.Name)
		}
	}
}

// checkReferences checks, in a deployable render, that the image is pinned
// to a tag or digest, that every ConfigMap and Secret a container reads
// exists, that every STEMMA_ key in them is a variable stemma serve reads,
// and that the services' addresses name Services of this render on their
// gRPC port.
func checkReferences(t *testing.T, r *rendered, vars map[string]bool) {
	t.Helper()
	for _, d := range r.deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			if strings.HasPrefix(d.Name, "stemma-") && !regexp.MustCompile(`^[^:@]+(:[^:@/]+|@sha256:[0-9a-f]{64})$`).MatchString(c.Image) {
				t.Errorf("%s: image %q; want an overlay's images: entry giving a tag or digest", d.Name, c.Image)
			}
			for _, ef := range c.EnvFrom {
				switch {
				case ef.ConfigMapRef != nil:
					cm := r.configMaps[ef.ConfigMapRef.Name]
					if cm == nil {
						t.Errorf("%s reads ConfigMap %s, which is not rendered", d.Name, ef.ConfigMapRef.Name)
						continue
					}
					checkKeys(t, "ConfigMap "+cm.Name, keys(cm.Data), vars)
				case ef.SecretRef != nil:
					s := r.secrets[ef.SecretRef.Name]
					if s == nil {
						t.Errorf("%s reads Secret %s, which is not rendered", d.Name, ef.SecretRef.Name)
						continue
					}
					data := keys(s.StringData)
					for k := range s.Data {
						data = append(data, k)
					}
					checkKeys(t, "Secret "+s.Name, data, vars)
				}
			}
		}
	}
	for _, cm := range r.configMaps {
		for _, part := range []string{"licences", "catalog", "lineage"} {
			addr, ok := cm.Data["STEMMA_"+strings.ToUpper(part)+"_ADDR"]
			if !ok {
				continue
			}
			host, port, _ := strings.Cut(addr, ":")
			svc := r.services[host]
			if svc == nil || !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "grpc-internal" && port == "9091" && p.Port == 9091 }) {
				t.Errorf("ConfigMap %s: the %s address %s is not a rendered Service's internal gRPC port", cm.Name, part, addr)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func checkKeys(t *testing.T, where string, names []string, vars map[string]bool) {
	t.Helper()
	for _, k := range names {
		if strings.HasPrefix(k, "STEMMA_") && !vars[k] {
			t.Errorf("%s: %s is no variable of stemma serve", where, k)
		}
	}
}

// loadCompose loads compose.yaml with the compose specification's own
// loader (schema validation, interpolation, merges), with env as deploy/.env.
func loadCompose(t *testing.T, envFile string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory("."),
		cli.WithEnvFiles(envFile),
		cli.WithDotEnv,
		cli.WithName("stemma"),
	)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestCompose(t *testing.T) {
	p, err := loadCompose(t, ".env.example")
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	vars := serveVariables(t)
	targets := map[string][]string{} // part -> compose services running it
	for _, name := range []string{"postgres", "redis", "licences", "catalog-1", "catalog-2", "lineage", "gateway"} {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("compose.yaml has no service %s", name)
			continue
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s: no health check", name)
		}
		if name == "postgres" || name == "redis" {
			continue
		}
		if len(s.Command) != 2 || s.Command[0] != "serve" || !strings.HasPrefix(s.Command[1], "--target=") {
			t.Errorf("%s: command %v; want serve --target=<part>", name, s.Command)
			continue
		}
		part := strings.TrimPrefix(s.Command[1], "--target=")
		targets[part] = append(targets[part], name)
		if s.User == "" || strings.HasPrefix(s.User, "0") || s.User == "root" {
			t.Errorf("%s: runs as %q; want a non-root user", name, s.User)
		}
		if !slices.Equal(s.HealthCheck.Test[:2], []string{"CMD", "/usr/local/bin/stemma"}) {
			t.Errorf("%s: health check %v; want the binary's own health command", name, s.HealthCheck.Test)
		}
		for k := range s.Environment {
			if strings.HasPrefix(k, "STEMMA_") && !vars[k] {
				t.Errorf("%s: %s is no variable of stemma serve", name, k)
			}
		}
	}
	for _, part := range parts {
		if len(targets[part]) == 0 {
			t.Errorf("no compose service runs %s", part)
		}
	}
	if len(targets["catalog"]) < 2 {
		t.Errorf("want the catalog replicated; services %v", targets["catalog"])
	}
	// Every address a part is given names the compose services that run
	// that part, on the internal gRPC port, the only one taking the
	// internal key the parts call with.
	for name, s := range p.Services {
		for _, part := range []string{"licences", "catalog", "lineage"} {
			v := s.Environment["STEMMA_"+strings.ToUpper(part)+"_ADDR"]
			if v == nil {
				continue
			}
			var hosts []string
			for _, a := range strings.Split(*v, ",") {
				host, port, _ := strings.Cut(a, ":")
				if port != "9091" {
					t.Errorf("%s: %s address %s is not on the internal gRPC port", name, part, a)
				}
				hosts = append(hosts, host)
			}
			slices.Sort(hosts)
			if want := slices.Sorted(slices.Values(targets[part])); !slices.Equal(hosts, want) {
				t.Errorf("%s: %s addresses %v; the services running %s are %v", name, part, hosts, part, want)
			}
		}
	}
	if gw := p.Services["gateway"]; len(gw.Ports) != 1 || gw.Ports[0].Target != 8080 {
		t.Errorf("gateway: want port 8080 published; have %+v", gw.Ports)
	}
	for name, s := range p.Services {
		if name != "gateway" && len(s.Ports) > 0 {
			t.Errorf("%s publishes ports %+v; only the gateway is reached from outside", name, s.Ports)
		}
	}
	// Redis runs with the password every part has in its URL.
	cmd := p.Services["redis"].Command
	i := slices.Index(cmd, "--requirepass")
	if i < 0 || i+1 >= len(cmd) || cmd[i+1] == "" {
		t.Fatalf("redis: command %v; want --requirepass <password>", cmd)
	}
	for _, name := range []string{"catalog-1", "catalog-2", "lineage"} {
		if u := p.Services[name].Environment["STEMMA_REDIS_URL"]; u == nil || !strings.Contains(*u, ":"+cmd[i+1]+"@") {
			t.Errorf("%s: STEMMA_REDIS_URL does not carry Redis's password", name)
		}
	}
}

// Without the secrets, compose refuses to start rather than run open or
// with empty keys.
func TestComposeNeedsSecrets(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadCompose(t, empty)
	if err == nil || !strings.Contains(err.Error(), "deploy/.env") {
		t.Fatalf("compose.yaml without deploy/.env loaded (%v); want an error naming deploy/.env", err)
	}
}
