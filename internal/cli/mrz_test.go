package cli_test

import (
	"strings"
	"testing"
)

// TestCLIMrz runs `polex mrz` through cli.Run: the contract's JSON for the
// specimen, valid=false with exit 0 for a broken check digit, exit 2 with
// one line on stderr for text that is no zone.
func TestCLIMrz(t *testing.T) {
	const specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
	const want = `{"format":"TD3","valid":true,"document_code":"P","issuing_state":"UTO","document_number":"L898902C3","nationality":"UTO","birth_date":"740812","sex":"F","expiry_date":"120415","surname":"ERIKSSON","given_names":"ANNA MARIA","optional_data":"ZE184226B","checks":{"document_number":true,"birth_date":true,"expiry_date":true,"personal_number":true,"composite":true}}` + "\n"
	dir := t.TempDir()
	code, out, stderr := run(t, specimen, nil, "--data", dir, "mrz")
	if code != 0 || out != want || stderr != "" {
		t.Fatalf("mrz = %d\n%q\nwant %q\nstderr %q", code, out, want, stderr)
	}
	broken := strings.Replace(specimen, "7408122F", "7408123F", 1)
	code, out, _ = run(t, broken, nil, "mrz")
	if code != 0 || !strings.Contains(out, `"valid":false`) || !strings.Contains(out, `"birth_date":false`) {
		t.Fatalf("broken = %d %q", code, out)
	}
	for _, in := range []string{"", "not a zone\n", specimen[:40] + "\n" + specimen[45:]} {
		code, out, stderr = run(t, in, nil, "mrz")
		if code != 2 || out != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "polex mrz: no machine-readable zone") {
			t.Errorf("mrz(%q) = %d %q %q", in, code, out, stderr)
		}
	}
}
