using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlexNet.Model;

/// <summary>
/// libtorch's OpenMP threads spin while they wait for work. When more threads want the cores than
/// there are (towers, loaders and the coordinator each on a thread of their own, or other
/// processes), spinning threads steal the cores the working ones need and a step can take ten
/// times longer. Unless the user chose otherwise, ask OpenMP to sleep instead of spin. It must be
/// set in the native environment before libtorch (and its libgomp) load, hence a module initializer
/// and a direct setenv (.NET keeps its own copy of the environment on Unix).
/// </summary>
public static class NativeThreads
{
    private const string WaitPolicy = "OMP_WAIT_POLICY";

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

#pragma warning disable CA2255 // a library initializer on purpose: it must run before libtorch loads, whoever loads it
    [ModuleInitializer]
    internal static void PreferSleepingWorkers()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(WaitPolicy) is not null) return;
        try { SetEnv(WaitPolicy, "PASSIVE", 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
#pragma warning restore CA2255
}
