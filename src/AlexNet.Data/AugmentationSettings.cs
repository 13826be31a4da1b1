namespace AlexNet.Data;

/// <summary>The paper's training augmentation, with its knobs.</summary>
/// <param name="Crop">Side of the random crop (224 in the paper).</param>
/// <param name="Flip">Mirror each image with probability 0.5.</param>
/// <param name="LightingStd">σ of the PCA lighting coefficients α_i ~ N(0, σ²); 0.1 in the paper, 0 turns it off.</param>
public sealed record AugmentationSettings(int Crop = 224, bool Flip = true, double LightingStd = 0.1);

/// <summary>Which view of an image a batch carries.</summary>
public enum BatchView
{
    /// <summary>Random crop, random flip, PCA lighting: the training view.</summary>
    Train,
    /// <summary>Centre crop, no flip, no lighting.</summary>
    Centre,
    // The paper's ten test views: four corners and the centre, each plain and mirrored.
    TopLeft, TopRight, BottomLeft, BottomRight, CentreCrop, TopLeftFlipped, TopRightFlipped, BottomLeftFlipped, BottomRightFlipped, CentreFlipped,
}
