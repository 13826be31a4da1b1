using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>How momentum and weight decay enter the update.</summary>
public enum MomentumForm
{
    /// <summary>The paper: v ← μ·v − λ·ε·w − ε·∇w;  w ← w + v. The learning rate is inside v.</summary>
    Paper,
    /// <summary>PyTorch's SGD: b ← μ·b + ∇w + λ·w;  w ← w − ε·b. The learning rate is applied outside b.</summary>
    PyTorch,
}

/// <summary>
/// SGD with momentum and weight decay over one tower's (or the reference's) parameters. The two
/// forms give identical steps while ε is constant (v = −ε·b); after ε changes they part: the
/// paper's velocity still carries steps scaled by the old ε, PyTorch's buffer is rescaled at once.
/// Weight decay applies to weights, not biases, as in cuda-convnet's layer definitions for the paper.
/// </summary>
public sealed class SgdMomentum : IDisposable
{
    private readonly (string Name, Parameter Param, Tensor Velocity, bool Decay)[] _state;
    public double Momentum { get; }
    public double WeightDecay { get; }
    public MomentumForm Form { get; }

    public SgdMomentum(IEnumerable<(string name, Parameter parameter)> parameters, double momentum = 0.9,
        double weightDecay = 5e-4, MomentumForm form = MomentumForm.Paper)
    {
        Momentum = momentum; WeightDecay = weightDecay; Form = form;
        _state = parameters
            .Select(p => (p.name, p.parameter, zeros_like(p.parameter).DetachFromDisposeScope(), p.name.EndsWith(".weight", StringComparison.Ordinal)))
            .ToArray();
    }

    /// <summary>Momentum buffers by parameter name (v for the paper form, b for PyTorch's); for checkpoints.</summary>
    public IReadOnlyDictionary<string, Tensor> Velocities => _state.ToDictionary(s => s.Name, s => s.Velocity);

    public void Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Every Scalar is held for the whole loop (see Scalars).
        using Scalar mu = Momentum, minusRate = -learningRate, minusDecayRate = -WeightDecay * learningRate, decayS = WeightDecay;
        foreach (var (_, p, v, decay) in _state)
        {
            using var g = p.grad;
            if (g is null) continue; // no gradient reached it this step (as torch.optim.SGD does)
            bool decays = decay && WeightDecay != 0;
            if (Form == MomentumForm.Paper)
            {
                v.mul_(mu).add_(g, minusRate);
                if (decays) v.add_(p, minusDecayRate);
                p.add_(v, Scalars.One);
            }
            else
            {
                v.mul_(mu).add_(g, Scalars.One);
                if (decays) v.add_(p, decayS);
                p.add_(v, minusRate);
            }
        }
    }

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope(); // zero_() hands back a new wrapper of the same tensor
        foreach (var (_, p, _, _) in _state)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    public void Dispose()
    {
        foreach (var s in _state) s.Velocity.Dispose();
    }
}
