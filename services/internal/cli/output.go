package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The exit codes of the client commands, for scripts and CI: 0 when the
// answer is yes (compatible, no conflicts), 1 when it is no, 2 when there
// is no answer (bad usage, unreachable server, an error from the server).
const (
	exitYes    = 0
	exitNo     = 1
	exitFailed = 2
)

// exitError ends the command with an exit code; a nil err prints nothing
// more (the command has said what it had to).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// answeredNo ends a command whose answer was no (exit 1) after it printed
// the answer.
var answeredNo = &exitError{code: exitNo}

// usageErrorf is a mistake in how the command was called: exit 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitFailed, err: fmt.Errorf(format, args...)}
}

// failed wraps an error from the server or the transport: exit 2, with the
// status's code and details spelt out.
func failed(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitFailed, err: errors.New(describe(err))}
}

// describe writes a status error as a person reads it: the code, the
// message and the field or precondition violations its details carry.
func describe(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", codeName(st.Code()), st.Message())
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				if strings.HasPrefix(v.GetDescription(), v.GetField()+":") {
					fmt.Fprintf(&b, "\n  %s", v.GetDescription())
				} else {
					fmt.Fprintf(&b, "\n  %s: %s", v.GetField(), v.GetDescription())
				}
			}
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				fmt.Fprintf(&b, "\n  %s: %s", v.GetSubject(), v.GetDescription())
			}
		}
	}
	if st.Code() == codes.Unauthenticated {
		fmt.Fprintf(&b, "\n  %v", errNoKey)
	}
	return b.String()
}

// codeName writes a gRPC code as the API's JSON and docs do: NOT_FOUND.
func codeName(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// show writes msg as JSON (--output json: the API's own JSON, every field
// present) or as the table the command draws.
func (o *clientOptions) show(cmd *cobra.Command, msg proto.Message, table func(w io.Writer)) error {
	out := cmd.OutOrStdout()
	if o.output == "json" {
		return writeJSON(out, msg)
	}
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

// writeJSON writes msg as indented protojson. protojson varies its
// whitespace on purpose; re-indenting makes the output stable.
func writeJSON(w io.Writer, msg proto.Message) error {
	b, err := protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(msg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

// enumPrefix is the prefix of an enum's value names: VERDICT_ for Verdict,
// WORK_KIND_ for WorkKind.
func enumPrefix(ed protoreflect.EnumDescriptor) string {
	var b strings.Builder
	for i, r := range string(ed.Name()) {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String() + "_"
}

// enumWord writes an enum value as the commands take it: "link-static"
// for USE_LINK_STATIC.
func enumWord(ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber) string {
	v := ed.Values().ByNumber(n)
	if v == nil {
		return fmt.Sprint(n)
	}
	s := strings.TrimPrefix(string(v.Name()), enumPrefix(ed))
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// parseEnum reads an enum value written as a word (link-static) or in
// full (USE_LINK_STATIC); the zero value is not accepted.
func parseEnum(ed protoreflect.EnumDescriptor, flag, s string) (protoreflect.EnumNumber, error) {
	name := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	for _, n := range []string{name, enumPrefix(ed) + name} {
		if v := ed.Values().ByName(protoreflect.Name(n)); v != nil && v.Number() != 0 {
			return v.Number(), nil
		}
	}
	var words []string
	for i := 1; i < ed.Values().Len(); i++ {
		words = append(words, enumWord(ed, ed.Values().Get(i).Number()))
	}
	return 0, usageErrorf("--%s %q: want one of %s", flag, s, strings.Join(words, ", "))
}

// resourceName accepts a bare id or a full name: abc or works/abc.
func resourceName(collection, s string) string {
	if strings.HasPrefix(s, collection+"/") {
		return s
	}
	return collection + "/" + s
}

// orDash writes "-" for an empty cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
