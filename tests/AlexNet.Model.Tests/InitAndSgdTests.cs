using AlexNet.Model;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

public class InitAndSgdTests
{
    [Fact]
    public void Initialisation_follows_the_paper()
    {
        using var net = new ReferenceAlexNet(AlexNetConfig.Paper);
        PaperInit.Initialize(net, seed: 1);
        foreach (var (name, p) in net.named_parameters())
        {
            if (name.EndsWith(".weight"))
            {
                Assert.InRange(p.mean().item<float>(), -5e-4, 5e-4);
                Assert.InRange(p.std().item<float>(), 0.0099, 0.0101);
            }
            else
            {
                float expected = name is "conv2.bias" or "conv4.bias" or "conv5.bias" or "fc6.bias" or "fc7.bias" ? 1f : 0f;
                Assert.True(p.eq(expected).all().item<bool>(), name);
            }
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_towers_for_any_split()
    {
        var w2 = PaperInit.TowerWeights(new AlexNetConfig { Towers = 2, Width = 0.25, Classes = 10, Crop = 67 }, 5);
        var w1 = PaperInit.TowerWeights(new AlexNetConfig { Towers = 1, Width = 0.25, Classes = 10, Crop = 67 }, 5);
        // conv1 is never grouped: the two halves stacked are the one-tower weight.
        Assert.True(cat(new[] { w2[0]["conv1.weight"], w2[1]["conv1.weight"] }, 0).equal(w1[0]["conv1.weight"]).all().item<bool>());
        var again = PaperInit.TowerWeights(new AlexNetConfig { Towers = 2, Width = 0.25, Classes = 10, Crop = 67 }, 5);
        Assert.True(again[1]["fc6.weight"].equal(w2[1]["fc6.weight"]).all().item<bool>());
    }

    private static (Parameter W, Parameter B) Params(float w, float b) =>
        (new Parameter(tensor(new[] { w, -w })), new Parameter(tensor(new[] { b })));

    [Fact]
    public void Paper_form_is_the_papers_update_rule()
    {
        var (w, b) = Params(1.0f, 0.5f);
        using var sgd = new SgdMomentum(new[] { ("fc.weight", w), ("fc.bias", b) }, 0.9, 5e-4, MomentumForm.Paper);
        double vw = 0, wv = 1.0, vb = 0, bv = 0.5;
        for (int step = 0; step < 3; step++)
        {
            double lr = step < 2 ? 0.01 : 0.001;
            w.grad = tensor(new[] { 0.3f, -0.3f });
            b.grad = tensor(new[] { 0.2f });
            sgd.Step(lr);
            vw = 0.9 * vw - 5e-4 * lr * wv - lr * 0.3; wv += vw;   // v ← μv − λεw − ε∇;  w ← w + v
            vb = 0.9 * vb - lr * 0.2; bv += vb;                    // biases: no weight decay
            Assert.Equal(wv, w[0].item<float>(), tolerance: 1e-6);
            Assert.Equal(bv, b[0].item<float>(), tolerance: 1e-6);
        }
    }

    [Fact]
    public void The_two_forms_agree_at_a_constant_rate_and_part_after_a_change()
    {
        var (wp, bp) = Params(1.0f, 0.5f);
        var (wt, bt) = Params(1.0f, 0.5f);
        using var paper = new SgdMomentum(new[] { ("l.weight", wp), ("l.bias", bp) }, 0.9, 5e-4, MomentumForm.Paper);
        using var torchForm = new SgdMomentum(new[] { ("l.weight", wt), ("l.bias", bt) }, 0.9, 5e-4, MomentumForm.PyTorch);
        for (int step = 0; step < 6; step++)
        {
            double lr = step < 4 ? 0.01 : 0.001;
            foreach (var p in new[] { wp, wt }) p.grad = tensor(new[] { 0.3f, -0.1f });
            foreach (var p in new[] { bp, bt }) p.grad = tensor(new[] { 0.2f });
            paper.Step(lr);
            torchForm.Step(lr);
            if (step < 4) Assert.True(wp.allclose(wt, rtol: 1e-6, atol: 1e-7), $"step {step}");
        }
        Assert.False(wp.allclose(wt, rtol: 1e-6, atol: 1e-7));
    }
}
