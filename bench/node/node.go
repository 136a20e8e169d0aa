// Package node starts the servers a benchmark measures as child processes
// on loopback, waits for the banner that says where they listen, reads
// their peak memory from /proc, and stops them.
package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// bannerRE matches the line servers print once ready: "… is running at URL".
var bannerRE = regexp.MustCompile(`is running at (http://\S+)`)

// Process is a started server.
type Process struct {
	Name string
	URL  string // from the banner
	cmd  *exec.Cmd
	logs *tail
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// Options start a process.
type Options struct {
	Name string   // for messages
	Path string   // the binary
	Args []string // its arguments
	Env  []string // added to this process's environment
	// Wait bounds how long to wait for the banner.
	Wait time.Duration
}

// Start runs the binary and returns once it printed its banner. The
// process's stderr (its logs) is kept only as a short tail, shown when it
// fails: under load a server logs a line per request.
func Start(ctx context.Context, o Options) (*Process, error) {
	cmd := exec.Command(o.Path, o.Args...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the load tool
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &Process{Name: o.Name, cmd: cmd, logs: &tail{max: 16 << 10}, done: make(chan struct{})}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := bannerRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	wait := o.Wait
	if wait == 0 {
		wait = 60 * time.Second
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case p.URL = <-found:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before it was ready (%v): %s", o.Name, p.err, p.logs.String())
	case <-timer.C:
		p.Stop()
		return nil, fmt.Errorf("%s printed no banner within %s: %s", o.Name, wait, p.logs.String())
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}
}

// PID returns the process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Logs returns the tail of what the process wrote to stderr.
func (p *Process) Logs() string { return p.logs.String() }

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop asks the process to stop (SIGTERM: it drains its requests), and
// kills it if it has not ended after ten seconds.
func (p *Process) Stop() {
	if ok, _ := p.Exited(); ok {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// PeakRSS returns the process's peak resident set size in bytes (VmHWM).
func (p *Process) PeakRSS() (int64, error) { return peakRSS(p.PID()) }

// ResetPeakRSS starts a new peak: Linux resets VmHWM to the current RSS
// when "5" is written to clear_refs (proc(5)). It fails without the right
// to write there; the peak then covers the process's whole life.
func (p *Process) ResetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.PID()), []byte("5"), 0)
}

// CPUTime returns the CPU time (user and system) the process has used.
func (p *Process) CPUTime() (time.Duration, error) { return CPUTime(p.PID()) }

// clockTick is the unit of /proc/PID/stat's times: USER_HZ, which is 100
// on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// CPUTime returns the CPU time (user and system) process pid has used.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime, fields 14 and 15 of /proc/PID/stat
// (proc(5)), counted after the command name, which may hold spaces.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc stat")
	}
	var total int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc stat: %w", err)
		}
		total += n
	}
	return time.Duration(total) * clockTick, nil
}

func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmHWM(string(b))
}

// parseVmHWM reads the VmHWM line of /proc/PID/status ("VmHWM:  1234 kB").
func parseVmHWM(status string) (int64, error) {
	for line := range strings.SplitSeq(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected VmHWM line %q", line)
		}
		return kb << 10, nil
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
