using TorchSharp;

namespace AlexNet.Model;

/// <summary>
/// Scalars that stay alive. TorchSharp hands a Scalar's native handle to libtorch without keeping
/// the managed Scalar reachable during the call, so an implicitly converted one (a double passed
/// where a Scalar is expected, or the alpha = 1 that add_(Tensor) makes internally) can be
/// finalised by the GC while libtorch still reads it ("Unknown scalar type" under GC pressure).
/// Hot paths therefore pass only Scalars held here (constants) or in a `using` around the call.
/// </summary>
public static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar MinusOne = (-1.0).ToScalar();

    /// <summary>this += other (the alpha Scalar kept alive).</summary>
    public static torch.Tensor AddInPlace(this torch.Tensor t, torch.Tensor other) => t.add_(other, One);

    /// <summary>this −= other (the alpha Scalar kept alive).</summary>
    public static torch.Tensor SubInPlace(this torch.Tensor t, torch.Tensor other) => t.add_(other, MinusOne);
}
