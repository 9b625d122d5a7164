package stress

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/consistency"
	"github.com/stemma-registry/stemma/services/internal/rpc"
)

// Op is one kind of request the driver sends.
type Op uint8

// The driver's mix: reads of works, ancestors and audits, compatibility
// checks, and creates of works and derivations.
const (
	OpGetWork Op = iota
	OpAncestors
	OpAudit
	OpCheck
	OpCreateWork
	OpCreateDerivation
	OpChangeLicence
	numOps
)

var opNames = [numOps]string{"get work", "ancestors", "audit", "compatibility check", "create work", "create derivation", "change licence"}

func (o Op) String() string { return opNames[o] }

// opWeights is the share of each op in the mix, in percent.
var opWeights = [numOps]int{25, 20, 10, 15, 15, 10, 5}

// Outcome is how one request ended.
type Outcome uint8

// The outcomes, from the caller's side.
const (
	OK          Outcome = iota
	ClientError         // 4xx: the request was refused as wrong
	Unavailable         // 503 / UNAVAILABLE: try again later
	ServerError         // any other 5xx, or INTERNAL, UNKNOWN and kin
	Transport           // no answer: refused, reset, timed out
	// LostRace is 409 ABORTED CONCURRENT_UPDATE: the write lost every
	// retry to concurrent transactions, wrote nothing, and may be sent
	// again.
	LostRace
)

var outcomeNames = [...]string{"ok", "client error", "unavailable", "server error", "transport error", "lost race"}

func (o Outcome) String() string { return outcomeNames[o] }

// Sample is one request the driver sent.
type Sample struct {
	Start, End time.Duration // since the run began
	Op         Op
	Via        string
	Outcome    Outcome
	// Detail says what went wrong, for requests that did not succeed.
	Detail string
}

// Via is one way into the suite: a gateway over REST, or the services'
// gRPC replicas directly.
type Via struct {
	Name string
	base string // REST: http://host:port
	// conns maps a gRPC service name to its connection (gRPC only), one
	// of opened.
	conns  map[string]*grpc.ClientConn
	opened []*grpc.ClientConn
	// draining is set while the via is being taken out, as a load
	// balancer would before a gateway is told to stop.
	draining atomic.Bool
	inflight atomic.Int32
}

// RESTVia returns a way in through the gateway at addr.
func RESTVia(name, addr string) *Via { return &Via{Name: name, base: "http://" + addr} }

// GRPCVia returns a way in straight to the services' replicas, through
// Stemma's own client connections: round robin over the addresses, reads
// retried by the gRPC retry policy, writes retried with their request_id.
// Every service a part serves goes over that part's connection.
func GRPCVia(licences, catalog, lineage string) (*Via, error) {
	addrs := map[string]string{config.PartLicences: licences, config.PartCatalog: catalog, config.PartLineage: lineage}
	v := &Via{Name: "gRPC", conns: map[string]*grpc.ClientConn{}}
	for _, t := range app.Targets() {
		a, ok := addrs[t.Name]
		if !ok {
			continue
		}
		c, err := rpc.Dial(rpc.Target{Addrs: strings.Split(a, ","), Policy: app.Policy()})
		if err != nil {
			v.Close()
			return nil, err
		}
		v.opened = append(v.opened, c)
		for _, svc := range t.Services {
			v.conns[svc] = c
		}
	}
	return v, nil
}

// Close closes the via's gRPC connections.
func (v *Via) Close() {
	for _, c := range v.opened {
		_ = c.Close()
	}
}

// httpClient is shared by every REST request: a per-request deadline, and
// enough idle connections for every worker.
var httpClient = &http.Client{Transport: &http.Transport{
	MaxIdleConnsPerHost: 64,
	DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
}}

// requestTimeout bounds one request: longer than any fault lasts, so that
// a request stuck in a fault ends as the suite answers it.
const requestTimeout = 15 * time.Second

// answer is what one request through a via got back.
type answer struct {
	Body    []byte // the reply as JSON, when OK
	Outcome Outcome
	Detail  string // what went wrong, when not OK
	// Token is the consistency token of the reply: a read sent with it
	// sees everything the request wrote, whichever replica serves it.
	Token string
}

// call sends one request to the route through v, with key as the bearer
// key and c.Token as its consistency token.
func (v *Via) call(ctx context.Context, r Route, c Call, key string) answer {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	v.inflight.Add(1)
	defer v.inflight.Add(-1)
	if v.conns == nil {
		var body []byte
		if c.Body != "" {
			body = []byte(c.Body)
		}
		reply, err := REST(ctx, httpClient, v.base, r.Verb, r.Path(c), key, c.Token, body)
		switch {
		case err != nil:
			return answer{Outcome: Transport, Detail: err.Error()}
		case reply.Status == http.StatusOK:
			return answer{Body: reply.Body, Outcome: OK, Token: reply.Token}
		case reply.Status == http.StatusServiceUnavailable:
			return answer{Outcome: Unavailable, Detail: short(reply.Body)}
		}
		detail := fmt.Sprintf("HTTP %d %s%s", reply.Status, reason(reply.Body), short(reply.Body))
		switch {
		case reply.Status >= 500:
			return answer{Outcome: ServerError, Detail: detail}
		case strings.Contains(detail, lostRace):
			return answer{Outcome: LostRace, Detail: detail}
		}
		return answer{Outcome: ClientError, Detail: detail}
	}
	req, err := r.Request(c)
	if err != nil {
		return answer{Outcome: ClientError, Detail: err.Error()}
	}
	resp := r.Response()
	if c.Token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, consistency.MetadataKey, c.Token)
	}
	var header metadata.MD
	st := Invoke(ctx, v.conns[string(r.Method.Parent().FullName())], r.FullMethod, req, resp, key, grpc.Header(&header))
	switch {
	case st.Code() == codes.OK:
		b, err := protojson.Marshal(resp)
		if err != nil {
			return answer{Outcome: ClientError, Detail: err.Error()}
		}
		var token string
		if t := header.Get(consistency.MetadataKey); len(t) > 0 {
			token = t[len(t)-1]
		}
		return answer{Body: b, Outcome: OK, Token: token}
	case st.Code() == codes.Unavailable:
		return answer{Outcome: Unavailable, Detail: st.Message()}
	case st.Code() == codes.DeadlineExceeded || st.Code() == codes.Canceled:
		return answer{Outcome: Transport, Detail: st.Message()}
	}
	detail := st.Code().String() + " " + st.Message()
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			detail += " (" + info.GetReason() + ")"
		}
	}
	switch {
	case GRPCServerFault(st.Code()):
		return answer{Outcome: ServerError, Detail: detail}
	case strings.Contains(detail, lostRace):
		return answer{Outcome: LostRace, Detail: detail}
	}
	return answer{Outcome: ClientError, Detail: detail}
}

// reason returns the ErrorInfo reason of a JSON error body, "(CYCLE) ",
// or "" when it has none.
func reason(body []byte) string {
	var e ErrorBody
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	for _, d := range e.Details {
		var info struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal(d, &info) == nil && info.Reason != "" {
			return "(" + info.Reason + ") "
		}
	}
	return ""
}

func short(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

// LedgerWork is an acknowledged create of a work.
type LedgerWork struct {
	RequestID, Name, Title, Licence, Owner string
	Attempts                               int
}

// LedgerDerivation is an acknowledged create of a derivation.
type LedgerDerivation struct {
	RequestID, Name, Derivative, Source, Owner string
	Attempts                                   int
}

// LedgerLicence is an acknowledged licence change of a family work; its
// note, unique to it, is how its event names it.
type LedgerLicence struct {
	Work, Licence, Note string
	Attempts            int
}

// Ledger records every write the suite acknowledged, in the order it did.
type Ledger struct {
	mu          sync.Mutex
	Works       []LedgerWork
	Derivations []LedgerDerivation
	Licences    []LedgerLicence
	// family is how many of the first works form the family the
	// subscribers follow: a root and the works deriving from it, whose
	// licences the load changes and which a share of its derivations
	// take as their source.
	family int
	// licences holds the licence of each family work not being changed
	// now; a work is out of it while a change is in flight.
	licences map[string]string
	edges    map[[2]string]bool
	// tokens maps a work to the newest write its reads must see.
	tokens map[string]string
	// Probes counts the read-your-writes probes; ProbeFailures holds the
	// ones whose read through another way in did not see the write.
	Probes        int
	ProbeFailures []string
}

// addWork records an acknowledged work and the token of its write.
func (l *Ledger) addWork(w LedgerWork, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Works = append(l.Works, w)
	l.see(w.Name, token)
}

// see records that a read of work must see the write of token: the name
// and the token travel together from the writer to every later reader, as
// the consistency contract asks of clients (docs/operations.md).
func (l *Ledger) see(work, token string) {
	if l.tokens == nil {
		l.tokens = map[string]string{}
	}
	l.tokens[work] = newer(l.tokens[work], token)
}

// token returns the newest write a read of work must see.
func (l *Ledger) token(work string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tokens[work]
}

// newer returns the later of two consistency tokens ("" is the earliest).
func newer(a, b string) string {
	la, errA := consistency.ParseLSN(a)
	lb, errB := consistency.ParseLSN(b)
	if errA != nil || (errB == nil && lb > la) {
		return b
	}
	return a
}

// pickEdge returns a derivative owned by owner and an earlier work as its
// source (so that the load's own edges never close a cycle), not already
// joined; ok is false when there is no such pair yet.
func (l *Ledger) pickEdge(rng *rand.Rand, owner string) (derivative, source, token string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.Works)
	for range 8 {
		if n < 2 {
			return "", "", "", false
		}
		d := 1 + rng.IntN(n-1)
		if l.Works[d].Owner != owner {
			continue
		}
		s := rng.IntN(d)
		if l.family > 0 && rng.IntN(4) == 0 {
			s = rng.IntN(min(d, l.family))
		}
		e := [2]string{l.Works[d].Name, l.Works[s].Name}
		if l.edges[e] {
			continue
		}
		if l.edges == nil {
			l.edges = map[[2]string]bool{}
		}
		l.edges[e] = true
		return e[0], e[1], newer(l.tokens[e[0]], l.tokens[e[1]]), true
	}
	return "", "", "", false
}

// SetFamily makes the first n works, all acknowledged, the family: the
// root and the works deriving from it.
func (l *Ledger) SetFamily(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.family = n
	l.licences = map[string]string{}
	for _, w := range l.Works[:n] {
		l.licences[w.Name] = w.Licence
	}
}

// takeFamilyWork returns a family work owned by owner that no licence
// change is in flight on, and its licence, and takes it until
// changedLicence; ok is false when there is none.
func (l *Ledger) takeFamilyWork(rng *rand.Rand, owner string) (name, licence, token string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range 8 {
		if l.family == 0 {
			return "", "", "", false
		}
		w := l.Works[rng.IntN(l.family)]
		if lic, free := l.licences[w.Name]; free && w.Owner == owner {
			delete(l.licences, w.Name)
			return w.Name, lic, l.tokens[w.Name], true
		}
	}
	return "", "", "", false
}

// changedLicence gives a family work back with the licence it now has,
// and records the change if it was acknowledged. A change never
// acknowledged leaves the work's licence unknown: the work is not given
// back, and the load changes it no more.
func (l *Ledger) changedLicence(c LedgerLicence, acked bool, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !acked {
		return
	}
	l.Licences = append(l.Licences, c)
	l.licences[c.Work] = c.Licence
	l.see(c.Work, token)
}

// addDerivation records an acknowledged derivation and the token of its
// write, which reads of its derivative's ancestors must see.
func (l *Ledger) addDerivation(d LedgerDerivation, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Derivations = append(l.Derivations, d)
	l.see(d.Derivative, token)
}

// randomWork returns an acknowledged work and the token its reads carry.
func (l *Ledger) randomWork(rng *rand.Rand) (name, token string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.Works) == 0 {
		return "", "", false
	}
	name = l.Works[rng.IntN(len(l.Works))].Name
	return name, l.tokens[name], true
}

func (l *Ledger) probed(failure string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Probes++
	if failure != "" {
		l.ProbeFailures = append(l.ProbeFailures, failure)
	}
}

// Driver sends the mix from its workers until its request budget is spent
// or its deadline passes, through every via that is not draining.
type Driver struct {
	Vias    []*Via
	Workers int
	Budget  int64
	Ledger  *Ledger
	// RunID keeps this run's request ids and titles apart from others'.
	RunID string

	start   time.Time
	sent    atomic.Int64
	mu      sync.Mutex
	samples []Sample
	routes  map[string]Route
}

// Since returns the time since the run began.
func (d *Driver) Since() time.Duration { return time.Since(d.start) }

// Samples returns every request sent so far.
func (d *Driver) Samples() []Sample {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Sample(nil), d.samples...)
}

// Sent returns the number of requests sent so far.
func (d *Driver) Sent() int64 { return d.sent.Load() }

// NewDriver returns a driver of workers over vias, its clock started.
func NewDriver(vias []*Via, workers int, budget int64, runID string) *Driver {
	d := &Driver{Vias: vias, Workers: workers, Budget: budget, RunID: runID, Ledger: &Ledger{},
		start: time.Now(), routes: map[string]Route{}}
	for _, r := range Routes() {
		d.routes[r.Name()] = r
	}
	return d
}

// Run drives the load until ctx is done, the budget is spent or the
// deadline passes.
func (d *Driver) Run(ctx context.Context, deadline time.Time) {
	var wg sync.WaitGroup
	for w := range d.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.worker(ctx, w, deadline)
		}()
	}
	wg.Wait()
}

func (d *Driver) more(ctx context.Context, deadline time.Time) bool {
	return ctx.Err() == nil && time.Now().Before(deadline) && d.sent.Load() < d.Budget
}

// pickVia returns a via that is not draining, at random.
func (d *Driver) pickVia(rng *rand.Rand, not *Via) *Via {
	for range 32 {
		v := d.Vias[rng.IntN(len(d.Vias))]
		if !v.draining.Load() && v != not {
			return v
		}
	}
	return d.Vias[len(d.Vias)-1] // the gRPC via is never drained
}

// send makes one request and records it.
func (d *Driver) send(ctx context.Context, op Op, v *Via, method string, c Call, key string) answer {
	d.sent.Add(1)
	t0 := d.Since()
	a := v.call(ctx, d.routes[method], c, key)
	if ctx.Err() != nil {
		return answer{Outcome: Transport} // the run is over: not a sample
	}
	s := Sample{Start: t0, End: d.Since(), Op: op, Via: v.Name, Outcome: a.Outcome, Detail: a.Detail}
	d.mu.Lock()
	d.samples = append(d.samples, s)
	d.mu.Unlock()
	return a
}

// lostRace is the ErrorInfo reason, as details show it, of a write that
// lost every retry to concurrent transactions.
const lostRace = "(CONCURRENT_UPDATE)"

// principals are the writers of the load; each worker writes as one.
var principals = []struct{ name, key string }{{"alice", AliceKey}, {"bob", BobKey}}

var licencesMix = []string{"MIT", "Apache-2.0", "BSD-3-Clause", "MIT OR Apache-2.0", "ISC"}

func (d *Driver) worker(ctx context.Context, w int, deadline time.Time) {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
	who := principals[w%len(principals)]
	seq := 0
	for d.more(ctx, deadline) {
		op := pickOp(rng)
		v := d.pickVia(rng, nil)
		switch op {
		case OpCreateWork:
			seq++
			d.CreateWork(ctx, rng, who.name, who.key, fmt.Sprintf("%s-w%d-%d", d.RunID, w, seq))
		case OpCreateDerivation:
			seq++
			d.createDerivation(ctx, rng, who.name, who.key, fmt.Sprintf("%s-d%d-%d", d.RunID, w, seq))
		case OpChangeLicence:
			seq++
			d.changeLicence(ctx, rng, who.name, who.key, fmt.Sprintf("%s-l%d-%d", d.RunID, w, seq))
		case OpCheck:
			in, out := licencesMix[rng.IntN(len(licencesMix))], licencesMix[rng.IntN(len(licencesMix))]
			d.send(ctx, op, v, "CheckCompatibility", Call{Body: `{"inbound":"` + in + `","outbound":"` + out + `"}`}, "")
		default:
			name, token, ok := d.Ledger.randomWork(rng)
			if !ok {
				continue
			}
			switch op {
			case OpGetWork:
				d.send(ctx, op, v, "GetWork", Call{Params: map[string]string{"name": name}, Token: token}, "")
			case OpAncestors:
				d.send(ctx, op, v, "ListAncestors", Call{Params: map[string]string{"work": name}, Token: token}, "")
			case OpAudit:
				d.send(ctx, op, v, "AuditWork", Call{Params: map[string]string{"work": name}, Token: token}, "")
			}
		}
	}
}

func pickOp(rng *rand.Rand) Op {
	n := rng.IntN(100)
	for op, w := range opWeights {
		if n < w {
			return Op(op)
		}
		n -= w
	}
	return OpGetWork
}

// writeDeadline bounds how long a create is retried: longer than any fault.
const writeDeadline = 60 * time.Second

// retried sends a create until the suite acknowledges it, each attempt
// with the same request id (in c), through whichever via is up, as a
// client that must not lose its write does. It returns the reply and the
// number of attempts; nil when the suite refused the write or never
// acknowledged it in time.
func (d *Driver) retried(ctx context.Context, rng *rand.Rand, op Op, method string, c Call, key string) (answer, *Via, int) {
	stop := time.Now().Add(writeDeadline)
	backoff := 50 * time.Millisecond
	for attempt := 1; ctx.Err() == nil && time.Now().Before(stop); attempt++ {
		v := d.pickVia(rng, nil)
		a := d.send(ctx, op, v, method, c, key)
		switch a.Outcome {
		case OK:
			return a, v, attempt
		case ServerError, ClientError:
			return answer{}, nil, attempt
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
	return answer{}, nil, 0
}

// CreateWork creates a work with request id rid and records it in the
// ledger once acknowledged, then reads it back through another way in. It
// returns the work's name, if the suite acknowledged it.
func (d *Driver) CreateWork(ctx context.Context, rng *rand.Rand, owner, key, rid string) (string, bool) {
	title := "stress " + rid
	licence := licencesMix[rng.IntN(len(licencesMix))]
	c := Call{Query: url.Values{"requestId": {rid}},
		Body: `{"kind":"WORK_KIND_SOFTWARE","title":"` + title + `","licence":"` + licence + `"}`}
	a, v, attempts := d.retried(ctx, rng, OpCreateWork, "CreateWork", c, key)
	if a.Body == nil {
		return "", false
	}
	var got struct{ Name, Title, Etag string }
	if err := json.Unmarshal(a.Body, &got); err != nil || got.Name == "" {
		d.Ledger.probed(fmt.Sprintf("create %s: unreadable reply %s", rid, short(a.Body)))
		return "", false
	}
	d.Ledger.addWork(LedgerWork{RequestID: rid, Name: got.Name, Title: title, Licence: licence, Owner: owner, Attempts: attempts}, a.Token)
	d.probe(ctx, rng, v, "GetWork", Call{Params: map[string]string{"name": got.Name}, Token: a.Token}, func(b []byte) string {
		var read struct{ Title, Etag string }
		if err := json.Unmarshal(b, &read); err != nil || read.Title != title || read.Etag != got.Etag {
			return fmt.Sprintf("%s created with etag %s, read back as %s", got.Name, got.Etag, short(b))
		}
		return ""
	})
	return got.Name, true
}

func (d *Driver) createDerivation(ctx context.Context, rng *rand.Rand, owner, key, rid string) {
	derivative, source, token, ok := d.Ledger.pickEdge(rng, owner)
	if !ok {
		return
	}
	d.derive(ctx, rng, owner, key, rid, derivative, source, token)
}

// Derive records that derivative, owned by owner, derives from source,
// as the load does, and reports whether the suite acknowledged it.
func (d *Driver) Derive(ctx context.Context, rng *rand.Rand, owner, key, rid, derivative, source string) bool {
	d.Ledger.mu.Lock()
	if d.Ledger.edges == nil {
		d.Ledger.edges = map[[2]string]bool{}
	}
	d.Ledger.edges[[2]string{derivative, source}] = true
	d.Ledger.mu.Unlock()
	return d.derive(ctx, rng, owner, key, rid, derivative, source, newer(d.Ledger.token(derivative), d.Ledger.token(source)))
}

func (d *Driver) derive(ctx context.Context, rng *rand.Rand, owner, key, rid, derivative, source, token string) bool {
	c := Call{Query: url.Values{"requestId": {rid}, "allowConflict": {"true"}}, Token: token,
		Body: `{"derivative":"` + derivative + `","source":"` + source + `","relation":"RELATION_DEPENDENCY"}`}
	a, v, attempts := d.retried(ctx, rng, OpCreateDerivation, "CreateDerivation", c, key)
	if a.Body == nil {
		return false
	}
	var got struct{ Name string }
	if err := json.Unmarshal(a.Body, &got); err != nil || got.Name == "" {
		d.Ledger.probed(fmt.Sprintf("derive %s: unreadable reply %s", rid, short(a.Body)))
		return false
	}
	d.Ledger.addDerivation(LedgerDerivation{RequestID: rid, Name: got.Name, Derivative: derivative, Source: source, Owner: owner, Attempts: attempts}, a.Token)
	d.probe(ctx, rng, v, "ListAncestors", Call{Params: map[string]string{"work": derivative}, Query: url.Values{"maxDepth": {"1"}, "pageSize": {"1000"}}, Token: a.Token},
		func(b []byte) string {
			if !strings.Contains(string(b), `"`+source+`"`) {
				return fmt.Sprintf("%s derives from %s, but its ancestors read back as %s", derivative, source, short(b))
			}
			return ""
		})
	return true
}

// changeLicence changes a family work's licence to another, with rid as
// the change's note. UpdateWork takes no request id: a retry after a lost
// answer sets the licence the work already has, which changes nothing.
func (d *Driver) changeLicence(ctx context.Context, rng *rand.Rand, owner, key, rid string) {
	work, licence, token, ok := d.Ledger.takeFamilyWork(rng, owner)
	if !ok {
		return
	}
	next := licence
	for next == licence {
		next = licencesMix[rng.IntN(len(licencesMix))]
	}
	c := Call{Params: map[string]string{"work.name": work}, Query: url.Values{"licenceChangeNote": {rid}}, Token: token,
		Body: `{"licence":"` + next + `"}`}
	a, v, attempts := d.retried(ctx, rng, OpChangeLicence, "UpdateWork", c, key)
	// The work is given back after the probe, which another change would
	// otherwise race.
	defer d.Ledger.changedLicence(LedgerLicence{Work: work, Licence: next, Note: rid, Attempts: attempts}, a.Body != nil, a.Token)
	if a.Body == nil {
		return
	}
	d.probe(ctx, rng, v, "GetWork", Call{Params: map[string]string{"name": work}, Token: a.Token}, func(b []byte) string {
		var read struct{ Licence string }
		if err := json.Unmarshal(b, &read); err != nil || read.Licence != next {
			return fmt.Sprintf("%s relicensed %s, read back as %s", work, next, short(b))
		}
		return ""
	})
}

// probe reads a write back through another via than the one that
// acknowledged it (another gateway, or gRPC to another replica), retrying
// while the suite is unavailable, and records whether the read saw it.
func (d *Driver) probe(ctx context.Context, rng *rand.Rand, wrote *Via, method string, c Call, check func([]byte) string) {
	stop := time.Now().Add(writeDeadline)
	for ctx.Err() == nil && time.Now().Before(stop) {
		v := d.pickVia(rng, wrote)
		a := v.call(ctx, d.routes[method], c, "")
		switch a.Outcome {
		case OK:
			d.Ledger.probed(check(a.Body))
			return
		case ClientError, ServerError, LostRace:
			d.Ledger.probed(fmt.Sprintf("read-your-writes %s %v via %s: %s", method, c.Params, v.Name, a.Detail))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ctx.Err() == nil {
		d.Ledger.probed(fmt.Sprintf("read-your-writes %s %v: no answer in %v", method, c.Params, writeDeadline))
	}
}
