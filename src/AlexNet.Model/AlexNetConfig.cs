namespace AlexNet.Model;

/// <summary>
/// The shape of the network: the paper's AlexNet split over <see cref="Towers"/> towers
/// (the paper: 2), with the class count, a channel width multiplier and the crop size as the
/// only knobs. Everything else (kernel sizes, strides, LRN constants, pooling) is the paper's.
/// </summary>
public sealed record AlexNetConfig
{
    public int Towers { get; init; } = 2;
    public int Classes { get; init; } = 1000;
    /// <summary>Multiplies every layer's channel count (conv1 96·w … fc7 4096·w); 1 is the paper.</summary>
    public double Width { get; init; } = 1.0;
    /// <summary>Side of the square input crop; 224 in the paper.</summary>
    public int Crop { get; init; } = 224;
    /// <summary>Dropout probability on fc6 and fc7 outputs while training.</summary>
    public double Dropout { get; init; } = 0.5;
    /// <summary>How the N(0, σ²) weight draw scales with a layer's fan-in; see <see cref="InitScaling"/>.</summary>
    public InitScaling InitScaling { get; init; } = InitScaling.FanIn;

    public static AlexNetConfig Paper => new();

    // The paper's fixed architecture.
    public const int InputChannels = 3;
    public const int Conv1Kernel = 11, Conv1Stride = 4, Conv1Padding = 2;
    public const int Conv2Kernel = 5, Conv2Padding = 2;
    public const int Conv345Kernel = 3, Conv345Padding = 1;
    public const int PoolKernel = 3, PoolStride = 2;
    public const int LrnSize = 5;
    public const double LrnAlpha = 1e-4, LrnBeta = 0.75, LrnK = 2.0;

    public int Conv1Channels => Scaled(96);
    public int Conv2Channels => Scaled(256);
    public int Conv3Channels => Scaled(384);
    public int Conv4Channels => Scaled(384);
    public int Conv5Channels => Scaled(256);
    public int Fc6Units => Scaled(4096);
    public int Fc7Units => Scaled(4096);

    public int Conv1Size => (Crop + 2 * Conv1Padding - Conv1Kernel) / Conv1Stride + 1;
    public int Pool1Size => PoolOut(Conv1Size);
    public int Pool2Size => PoolOut(Pool1Size);
    public int Pool5Size => PoolOut(Pool2Size);
    public int Fc6Inputs => Conv5Channels * Pool5Size * Pool5Size;

    /// <summary>Output units of fc8 held by tower <paramref name="tower"/>: classes split as evenly as possible.</summary>
    public int ClassesOf(int tower) => Classes / Towers + (tower < Classes % Towers ? 1 : 0);

    public int PerTower(int channels) => channels / Towers;

    private int Scaled(int paperChannels) => (int)Math.Round(paperChannels * Width);
    private static int PoolOut(int size) => size < PoolKernel ? 0 : (size - PoolKernel) / PoolStride + 1;

    /// <summary>Throws <see cref="InvalidModelConfigException"/> naming the first bad value.</summary>
    public AlexNetConfig Validate()
    {
        if (Towers < 1) throw new InvalidModelConfigException("towers", Towers, "at least 1");
        if (Classes < 2) throw new InvalidModelConfigException("classes", Classes, "at least 2");
        if (Classes < Towers) throw new InvalidModelConfigException("classes", Classes, $"at least the number of towers ({Towers})");
        if (!(Width > 0) || Width > 16) throw new InvalidModelConfigException("width", Width, "a multiplier in (0, 16]");
        if (!(Dropout >= 0 && Dropout < 1)) throw new InvalidModelConfigException("dropout", Dropout, "a probability in [0, 1)");
        foreach (var (name, channels) in new[] {
            ("conv1", Conv1Channels), ("conv2", Conv2Channels), ("conv3", Conv3Channels), ("conv4", Conv4Channels),
            ("conv5", Conv5Channels), ("fc6", Fc6Units), ("fc7", Fc7Units) })
        {
            if (channels < Towers || channels % Towers != 0)
                throw new InvalidModelConfigException("width", Width,
                    $"a width whose {name} channel count ({channels}) is a positive multiple of towers ({Towers})");
        }
        if (Pool5Size < 1)
            throw new InvalidModelConfigException("crop", Crop,
                $"at least {MinimumCrop} (a {Crop}x{Crop} crop leaves nothing after the third 3x3/2 max-pool)");
        return this;
    }

    /// <summary>The smallest crop for which pool5 still has one output pixel.</summary>
    public static int MinimumCrop
    {
        get
        {
            for (int s = Conv1Kernel; ; s++)
                if (new AlexNetConfig { Crop = s }.Pool5Size >= 1) return s;
        }
    }

    public override string ToString() => $"towers={Towers} classes={(Classes == 0 ? "from-the-data" : Classes)} width={Width} crop={Crop} dropout={Dropout}" +
        (InitScaling == InitScaling.FanIn ? "" : " init=paper");
}

/// <summary>Weight initialisation of the paper, and its extension to narrower or smaller networks.</summary>
public enum InitScaling
{
    /// <summary>
    /// σ = 0.01·√(paper fan-in / this fan-in): exactly the paper's 0.01 at the paper's configuration,
    /// and the same per-layer signal gain for other widths and crops. With a fixed 0.01 a network of
    /// width 0.25 and crop 64 starts with logits that do not depend on the input (gain ≈ 1e-4).
    /// </summary>
    FanIn,
    /// <summary>σ = 0.01 in every layer, whatever its size.</summary>
    Paper,
}

/// <summary>A model configuration value that cannot build the network; the message names the key.</summary>
public sealed class InvalidModelConfigException(string key, object value, string expected)
    : Exception($"invalid model setting '{key}' = {value}: expected {expected}")
{
    public string Key { get; } = key;
    public object Value { get; } = value;
    /// <summary>What the setting accepts, e.g. "a probability in [0, 1)".</summary>
    public string Expected { get; } = expected;
}
