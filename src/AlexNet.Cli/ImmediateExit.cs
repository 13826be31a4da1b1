using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AlexNet.Cli;

/// <summary>
/// Ends the process at once, from any thread, after one line on stderr: what a second SIGINT or SIGTERM
/// does to `alexnet node` while the first one's orderly leaving is still waiting (up to hand-over-timeout).
/// </summary>
internal static class ImmediateExit
{
    // libc's _exit (exit_group): every thread ends now and nothing runs on the way out. Environment.Exit would
    // run the ProcessExit handlers (Akka's, where run-by-clr-shutdown-hook is on, waits for the very leaving this
    // cuts short) and then the native exit handlers (libtorch's, CUDA's); Environment.FailFast ends by SIGABRT
    // with a stack trace and perhaps a crash dump; Process.Kill (SIGKILL to itself) is immediate too but always
    // gives 137, and is kept for a libc not found under that name. .NET's console writers flush every line, so
    // the line is out before the exit.
    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int status);

    public static void Now(string line, int exitCode)
    {
        // Written on a thread of its own, waited for at most a second: a stderr whose reader has stalled (a
        // full pipe) blocks the write, and Console.Error's lock with it, and must not keep the process alive.
        var say = new Thread(() =>
        {
            try { Console.Error.WriteLine(line); }
            catch (IOException) { }
        }) { IsBackground = true, Name = "alexnet exit line" };
        say.Start();
        say.Join(TimeSpan.FromSeconds(1));
        try { Exit(exitCode); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        Process.GetCurrentProcess().Kill(); // no libc of that name: SIGKILL to itself (exit status 137)
    }
}
