using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Hosting;

/// <summary>Compares a node's profile with the coordinator's, naming every key that differs.</summary>
public static class ProfileCheck
{
    /// <summary>Null when the node may join; otherwise the reason, naming each differing key with both values.</summary>
    public static string? Refusal(NodeProfile coordinator, NodeProfile node, bool isLoader)
    {
        var differences = new List<string>();
        void Compare(string key, object mine, object theirs)
        {
            if (!Equals(mine, theirs)) differences.Add($"{key}: this node has {theirs}, the coordinator {mine}");
        }
        Compare("alexnet.model.towers", coordinator.Model.Towers, node.Model.Towers);
        Compare("alexnet.model.classes", coordinator.Model.Classes, node.Model.Classes);
        Compare("alexnet.model.width", coordinator.Model.Width, node.Model.Width);
        Compare("alexnet.model.crop", coordinator.Model.Crop, node.Model.Crop);
        Compare("alexnet.model.dropout", coordinator.Model.Dropout, node.Model.Dropout);
        Compare("model init scaling", coordinator.Model.InitScaling, node.Model.InitScaling);
        if (isLoader)
        {
            Compare("alexnet.train.seed", coordinator.Seed, node.Seed);
            Compare("alexnet.data.flip", coordinator.Augmentation.Flip, node.Augmentation.Flip);
            Compare("alexnet.data.lighting-std", coordinator.Augmentation.LightingStd, node.Augmentation.LightingStd);
            Compare("alexnet.data.source", coordinator.DataSource, node.DataSource);
        }
        return differences.Count == 0 ? null
            : "model configuration differs from the coordinator's: " + string.Join("; ", differences);
    }
}
