using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Towers;

/// <summary>
/// What a tower keeps between the messages of one step: for each segment, the input leaf (whose
/// gradient goes back to the coordinator), the output with its autograd graph (until its backward),
/// and the dropout mask. Everything is freed when the step ends.
/// </summary>
internal sealed class TowerStep(long step, bool train, double lossScale) : IDisposable
{
    private readonly Tensor?[] _inputs = new Tensor?[Segments.All.Length];
    private readonly Tensor?[] _outputs = new Tensor?[Segments.All.Length];
    private readonly Tensor?[] _masks = new Tensor?[Segments.All.Length];

    public long Step { get; } = step;
    public bool Train { get; } = train;
    /// <summary>fp16: gradients inside the segments are this many times the true ones (LossScaling); else 1.</summary>
    public double LossScale { get; } = lossScale;

    public void Keep(Segment segment, Tensor? input, Tensor output, Tensor? mask)
    {
        int s = (int)segment;
        _inputs[s] = input;
        _outputs[s] = output;
        _masks[s] = mask;
    }

    public Tensor Output(Segment segment) =>
        _outputs[(int)segment] ?? throw new InvalidOperationException($"step {Step}: no forward output kept for {segment}");

    public Tensor? Input(Segment segment) => _inputs[(int)segment];

    /// <summary>Frees one segment's tensors once its backward has run (its graph is gone by then).</summary>
    public void Release(Segment segment)
    {
        int s = (int)segment;
        _outputs[s]?.Dispose(); _outputs[s] = null;
        _masks[s]?.Dispose(); _masks[s] = null;
        _inputs[s]?.Dispose(); _inputs[s] = null;
    }

    public void Dispose()
    {
        foreach (var seg in Segments.All) Release(seg);
    }
}
